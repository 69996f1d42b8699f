"""Server-side SVG charts: plain markup, no JavaScript, no CDN. Every chart carries a <title> and
an aria-label, and the pages show the same numbers in a table, so the charts are never the only
way to read them."""

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f5fa8", "#c0392b", "#1e8449", "#8e44ad", "#d35400", "#2c3e50", "#16a085", "#7f8c8d")
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 40, 36


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(value)


# The line chart is drawn in the page's own pixels (no viewBox): it takes the whole width of its
# card at any screen width and its text keeps its size, readable at 375 px as at 1280 px.
# Horizontal positions are percentages of that width; the plot itself is a nested SVG stretched
# to it, whose lines keep their stroke width (non-scaling-stroke).
LINE_HEIGHT, LINE_TOP, LINE_BOTTOM = 240, 18, 26
INSET_PERCENT = 2.0  # room for the first and last point's marker
PLOT_UNITS = 1000  # the nested plot's own x units
MAX_X_LABELS = 6
TICKS = 4


def axis_ticks(largest: float, *, integer: bool, top: float | None = None) -> list[float]:
    """Evenly spaced tick values from 0 to a round top at or above `largest` (about TICKS
    steps); with `integer` every value is a whole number (chat counts), never 0.5 or 1.25."""
    if top is not None:
        return [top * index / TICKS for index in range(TICKS + 1)]
    largest = max(largest, 1.0 if integer else 0.0) or 1.0
    raw = largest / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer and magnitude < 10 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    if integer:
        step = max(1.0, float(round(step)))
    count = math.ceil(largest / step - 1e-9)
    return [step * index for index in range(count + 1)]


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _x_percent(index: int, count: int) -> float:
    return INSET_PERCENT + (100 - 2 * INSET_PERCENT) * index / max(count - 1, 1)


def _labelled_weeks(count: int) -> list[int]:
    """The indexes of the weeks that get a label: at most MAX_X_LABELS, the last one always,
    never two so close that they overlap."""
    every = max(1, math.ceil(count / MAX_X_LABELS))
    indexes = list(range(0, count, every))
    if count and indexes[-1] != count - 1:
        if count - 1 - indexes[-1] <= every / 2 and len(indexes) > 1:
            indexes.pop()
        indexes.append(count - 1)
    return indexes


def line_chart(
    *,
    title: str,
    weeks: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_max: float | None = None,
    integer: bool = False,
) -> SafeString:
    """One line per series over `weeks` (None leaves a gap), with its legend as an HTML list
    above it (it wraps on a narrow screen). `integer`: counts, so whole-number ticks only."""
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    values = [v for _, points in series for v in points if v is not None]
    ticks = axis_ticks(max(values, default=0), integer=integer, top=y_max)
    top = ticks[-1] or 1.0

    def y(v: float) -> float:
        return LINE_TOP + plot_h - (v / top) * plot_h

    legend = ['<ul class="chart-legend">']
    parts = [
        f'<svg class="chart chart-line" width="100%" height="{LINE_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for value in ticks:
        parts.append(
            f'<line x1="0" x2="100%" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
            f'<text x="0" y="{y(value) - 3:.1f}" class="tick tick-y">{_tick_text(value)}</text>'
        )
    labelled = _labelled_weeks(len(weeks))
    for position, i in enumerate(labelled):
        anchor = "start" if i == 0 else "end" if i == len(weeks) - 1 else "middle"
        minor = " tick-minor" if 0 < position < len(labelled) - 1 and position % 2 else ""
        parts.append(
            f'<text x="{_x_percent(i, len(weeks)):.2f}%" y="{LINE_HEIGHT - 8}" '
            f'class="tick tick-x{minor}" text-anchor="{anchor}">{weeks[i]:%b %d}</text>'
        )
    parts.append(
        f'<svg x="{INSET_PERCENT}%" y="0" width="{100 - 2 * INSET_PERCENT}%" '
        f'height="{LINE_HEIGHT}" viewBox="0 0 {PLOT_UNITS} {LINE_HEIGHT}" '
        'preserveAspectRatio="none" overflow="visible">'
    )
    markers: list[str] = []
    step_x = PLOT_UNITS / max(len(weeks) - 1, 1)
    for index, (name, points) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        segments: list[list[tuple[int, float]]] = [[]]
        for i, point in enumerate(points):
            if point is None:
                segments.append([])
            else:
                segments[-1].append((i, point))
        for segment in segments:
            if len(segment) == 1:  # a lone point: a round marker in page pixels
                i, point = segment[0]
                markers.append(
                    f'<circle cx="{_x_percent(i, len(weeks)):.2f}%" cy="{y(point):.1f}" r="3" '
                    f'fill="{colour}"/>'
                )
            elif segment:
                coordinates = " ".join(f"{i * step_x:.1f},{y(point):.1f}" for i, point in segment)
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'vector-effect="non-scaling-stroke" points="{coordinates}"/>'
                )
        legend.append(
            f'<li><svg width="12" height="12" aria-hidden="true" focusable="false">'
            f'<rect width="12" height="12" fill="{colour}"/></svg> {escape(name)}</li>'
        )
    parts.append("</svg>")
    parts.extend(markers)
    parts.append("</svg>")
    legend.append("</ul>")
    # every label and name is escaped above
    return mark_safe("".join(legend if series else []) + "".join(parts))  # noqa: S308


def bar_chart(
    *,
    title: str,
    bars: Sequence[tuple[str, float | None]],
    x_max: float | None = None,
    unit: str = "",
    width: int = 680,
    bar_height: int = 22,
) -> SafeString:
    """Horizontal bars, one per label; a missing value is drawn as "—"."""
    label_w = 170
    height = TOP + len(bars) * (bar_height + 6) + 8
    top = x_max if x_max is not None else _nice_max(max((v or 0 for _, v in bars), default=0))
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        y = TOP + i * (bar_height + 6)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_height * 0.7:.1f}" class="tick" '
            f'text-anchor="end">{escape(label[:28])}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{label_w}" y="{y + bar_height * 0.7:.1f}" class="tick">—</text>'
            )
            continue
        length = max(1.0, plot_w * value / top) if top else 1.0
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"/><text x="{label_w + length + 6:.1f}" '
            f'y="{y + bar_height * 0.7:.1f}" class="tick">{value:.1f}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above
