"""Server-side SVG charts: plain markup, no JavaScript, no CDN. Every chart carries a <title> and
an aria-label, and the pages show the same numbers in a table, so the charts are never the only
way to read them."""

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


def line_chart(
    *,
    title: str,
    weeks: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_max: float | None = None,
    width: int = 680,
    height: int = 260,
) -> SafeString:
    """One polyline per series over `weeks`; None leaves a gap."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    values = [v for _, points in series for v in points if v is not None]
    top = y_max if y_max is not None else _nice_max(max(values, default=0))
    step_x = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step_x

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'class="grid"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" class="tick" '
            f'text-anchor="end">{value:g}</text>'
        )
    label_every = max(1, len(weeks) // 8)
    for i, week in enumerate(weeks):
        if i % label_every == 0 or i == len(weeks) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - BOTTOM + 16}" class="tick" '
                f'text-anchor="middle">{week:%b %d}</text>'
            )
    for index, (name, points) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, point in enumerate(points):
            if point is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(point):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(seg)}"/>'
                )
        legend_x = LEFT + (index % 4) * (plot_w / 4)
        legend_y = 12 + (index // 4) * 14
        parts.append(
            f'<rect x="{legend_x:.1f}" y="{legend_y - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{legend_x + 14:.1f}" y="{legend_y + 1}" '
            f'class="legend">{escape(name[:22])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


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
