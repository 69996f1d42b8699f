"""The trend charts (issue #18, "Trends"): the whole width of their card, no clipped label,
whole-number ticks for chat counts, readable at 375 px (text in page pixels, fewer labels)."""

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from knowledgebase.charts import LINE_HEIGHT, PLOT_UNITS, axis_ticks, line_chart

SVG = "{http://www.w3.org/2000/svg}"
WEEKS = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(12)]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(f"<div>{markup}</div>")  # noqa: S314 - our own markup


def _chart(markup: str) -> ET.Element:
    return next(el for el in _parse(markup) if el.tag == f"{SVG}svg")


def _ticks(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [el for el in svg.iter(f"{SVG}text") if kind in el.get("class", "").split()]


@pytest.mark.parametrize("largest", [1, 2, 3, 5, 7, 9, 13, 37, 99, 101, 250, 1234, 98765])
def test_chat_count_ticks_are_whole_numbers_that_reach_the_largest_value(largest):
    ticks = axis_ticks(largest, integer=True)
    assert all(float(tick).is_integer() for tick in ticks)
    assert ticks[0] == 0
    assert ticks[-1] >= largest
    assert len(set(ticks)) == len(ticks)
    assert 2 <= len(ticks) <= 6
    steps = {ticks[i + 1] - ticks[i] for i in range(len(ticks) - 1)}
    assert len(steps) == 1  # evenly spaced


def test_a_count_chart_of_small_numbers_shows_no_fractional_tick():
    svg = _chart(
        line_chart(title="Chats", weeks=WEEKS, series=[("billing", [0, 1, 3, 2] * 3)], integer=True)
    )
    labels = [el.text or "" for el in _ticks(svg, "tick-y")]
    assert labels == ["0", "1", "2", "3"]
    assert not any("." in label for label in labels)


def test_satisfaction_keeps_its_fixed_scale():
    svg = _chart(
        line_chart(title="Satisfaction", weeks=WEEKS, series=[("x", [50.5] * 12)], y_max=100)
    )
    assert [el.text for el in _ticks(svg, "tick-y")] == ["0", "25", "50", "75", "100"]


def test_the_chart_takes_its_cards_width_and_every_label_stays_inside():
    svg = _chart(
        line_chart(title="Chats", weeks=WEEKS, series=[("a", list(range(12)))], integer=True)
    )
    assert svg.get("width") == "100%"
    assert svg.get("viewBox") is None  # page pixels: text keeps its size at any width
    labels = _ticks(svg, "tick-x")
    positions = [float(el.get("x", "").rstrip("%")) for el in labels]
    assert all(0 <= x <= 100 for x in positions)
    assert labels[0].get("text-anchor") == "start"  # nothing hangs off the left edge
    assert labels[-1].get("text-anchor") == "end"  # nor off the right: the last label shows
    assert labels[-1].text == f"{WEEKS[-1]:%b %d}"
    for text in svg.iter(f"{SVG}text"):
        assert 0 < float(text.get("y", "0")) <= LINE_HEIGHT


def test_the_lines_stay_inside_the_plot():
    svg = _chart(
        line_chart(title="Chats", weeks=WEEKS, series=[("a", [5, None, 7, 9] * 3)], integer=True)
    )
    for polyline in svg.iter(f"{SVG}polyline"):
        assert polyline.get("vector-effect") == "non-scaling-stroke"
        for pair in (polyline.get("points") or "").split():
            x, y = map(float, pair.split(","))
            assert 0 <= x <= PLOT_UNITS
            assert 0 <= y <= LINE_HEIGHT


def test_a_year_of_weeks_gets_few_labels_that_never_overlap():
    weeks = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(52)]
    svg = _chart(line_chart(title="Chats", weeks=weeks, series=[("a", [1] * 52)], integer=True))
    labels = _ticks(svg, "tick-x")
    assert 2 <= len(labels) <= 7
    positions = [float(el.get("x", "").rstrip("%")) for el in labels]
    assert min(b - a for a, b in itertools.pairwise(positions)) > 10
    assert labels[-1].text == f"{weeks[-1]:%b %d}"
    minor = [el for el in labels if "tick-minor" in el.get("class", "")]
    assert len(minor) <= len(labels) // 2  # what a phone hides, every other label at most


def test_a_hostile_series_name_is_escaped_in_the_legend():
    markup = line_chart(title="<b>t</b>", weeks=WEEKS, series=[("<script>x</script>&", [1] * 12)])
    assert "<script>" not in markup
    legend = next(el for el in _parse(markup) if el.tag == "ul")
    assert "".join(legend.itertext()).strip() == "<script>x</script>&"


def test_no_data_still_draws_an_axis():
    svg = _chart(line_chart(title="Chats", weeks=WEEKS, series=[], integer=True))
    assert [el.text for el in _ticks(svg, "tick-y")] == ["0", "1"]
    assert not re.search(r"nan|inf", ET.tostring(svg, encoding="unicode"))
