"""Reading weekly rollups: series for charts and emerging topics (R-KB-4).

Emerging topic: a keyword whose count in the current week (the week containing `now`) is at least
EMERGING_MIN_COUNT and at least EMERGING_FACTOR × its mean weekly count over the BASELINE_WEEKS
before, and above that mean by EMERGING_SIGMAS standard deviations (weeks without the keyword
count as 0). So a keyword that is always frequent never "emerges"; a new or surging one does.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import fmean, pstdev

from django.db.models import QuerySet, Sum
from django.utils import timezone

from knowledgebase.models import TrendDimension, TrendRollup
from knowledgebase.selectors.emerging import (
    EXAMPLE_CHATS,
    RELATED_TERMS,
    term_chats_and_related,
)

BASELINE_WEEKS = 8
EMERGING_MIN_COUNT = 3
EMERGING_FACTOR = 2.0
EMERGING_SIGMAS = 2.0


def week_of(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def trends_rollups(
    *,
    dimension: str = "",
    value: str = "",
    week_from: date | None = None,
    week_to: date | None = None,
) -> QuerySet[TrendRollup]:
    rollups = TrendRollup.objects.all()
    if dimension:
        rollups = rollups.filter(dimension=dimension)
    if value:
        rollups = rollups.filter(value=value)
    if week_from:
        rollups = rollups.filter(week_start__gte=week_from)
    if week_to:
        rollups = rollups.filter(week_start__lte=week_to)
    return rollups.order_by("week_start", "dimension", "value")


@dataclass(frozen=True)
class Series:
    name: str
    points: list[tuple[date, float | None]]


def trends_series(
    *, dimension: str, weeks: list[date], top: int = 6, measure: str = "chat_count"
) -> list[Series]:
    """One series per value of `dimension` (the `top` busiest over `weeks`), one point per week."""
    if not weeks:
        return []
    window = trends_rollups(dimension=dimension, week_from=weeks[0], week_to=weeks[-1])
    leaders = list(
        window.values("value")
        .annotate(total=Sum("chat_count"))
        .order_by("-total", "value")
        .values_list("value", flat=True)[:top]
    )
    by_value: dict[str, dict[date, float | None]] = defaultdict(dict)
    for row in window.filter(value__in=leaders).values("value", "week_start", measure):
        by_value[row["value"]][row["week_start"]] = row[measure]
    default = 0 if measure == "chat_count" else None
    return [
        Series(name=value, points=[(week, by_value[value].get(week, default)) for week in weeks])
        for value in leaders
    ]


@dataclass(frozen=True)
class EmergingTopic:
    keyword: str
    count: int
    baseline_mean: float
    baseline_stdev: float
    first_seen: date | None = None
    keywords: list[str] = field(default_factory=list)
    example_chats: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.count / self.baseline_mean if self.baseline_mean else None


def trends_emerging_topics(
    *, now: datetime, baseline_weeks: int = BASELINE_WEEKS
) -> list[EmergingTopic]:
    current = week_of(now)
    first = current - timedelta(weeks=baseline_weeks)
    rows = trends_rollups(dimension=TrendDimension.KEYWORD, week_from=first, week_to=current)
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for value, week, count in rows.values_list("value", "week_start", "chat_count"):
        counts[value][week] = count
    baseline_days = [first + timedelta(weeks=offset) for offset in range(baseline_weeks)]
    topics = []
    for keyword, by_week in counts.items():
        count = by_week.get(current, 0)
        if count < EMERGING_MIN_COUNT:
            continue
        history = [by_week.get(week, 0) for week in baseline_days]
        mean, stdev = fmean(history), pstdev(history)
        if count >= EMERGING_FACTOR * mean and count > mean + EMERGING_SIGMAS * stdev:
            topics.append(_with_context(keyword, count, mean, stdev, by_week, current))
    return sorted(topics, key=lambda t: (-(t.count - t.baseline_mean), t.keyword))


def _with_context(
    keyword: str,
    count: int,
    mean: float,
    stdev: float,
    by_week: dict[date, int],
    current: date,
) -> EmergingTopic:
    """Its related terms and example chats of this week; first seen: the first week of the run of
    weeks, ending now, in which the keyword occurred."""
    start = timezone.make_aware(datetime.combine(current, time.min))
    chat_ids, related = term_chats_and_related(
        term=keyword, start=start, end=start + timedelta(weeks=1)
    )
    first_seen = current
    while by_week.get(first_seen - timedelta(weeks=1)):
        first_seen -= timedelta(weeks=1)
    return EmergingTopic(
        keyword=keyword,
        count=count,
        baseline_mean=round(mean, 2),
        baseline_stdev=round(stdev, 2),
        first_seen=first_seen,
        keywords=[keyword, *[term for term, _ in related.most_common(RELATED_TERMS)]],
        example_chats=chat_ids[:EXAMPLE_CHATS],
    )
