"""Issues within days (issue #17): topics whose chats in the trailing 24 hours are well above
their recent daily baseline, read straight from the chats' keywords (set-based, one query per
window), so a new problem shows the day after it starts instead of a week later.

The test, per term, on the day ending at `as_of` (the whole calendar day of `as_of`):
- `expected` = the term's share of analysed chats over the BASELINE_DAYS before (less the
  GUARD_DAYS just before, so a problem that began yesterday does not hide in its own baseline),
  times today's number of analysed chats: a busy Monday raises every term's count, not its
  share, so volume alone never alarms; with less than MIN_BASELINE_CHATS chats or
  MIN_BASELINE_DAYS days of history there is no baseline and nothing is flagged;
- it emerges when today's count is at least DAY_MIN_COUNT, at least DAY_FACTOR × expected, and
  at least expected + DAY_POISSON_SIGMAS × √(expected + 1) (a Poisson bound: with a few hundred
  terms a day, ordinary noise crosses 4 σ about once in several years of quiet days).
Related terms are the terms most often found in the same chats today; `first_seen` is the first
day of the run of days, ending today, on which the term was above its expected count.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import sqrt

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from chats.models import Chat
from knowledgebase.models import ChatKeyword, Topic

BASELINE_DAYS = 28
# The days just before `as_of` are left out of the baseline: a problem that started yesterday
# must not raise its own baseline and hide today's growth.
GUARD_DAYS = 2
# Without this much history there is no baseline to rise above: nothing is flagged.
MIN_BASELINE_CHATS = 20
MIN_BASELINE_DAYS = 7
DAY_MIN_COUNT = 4
DAY_FACTOR = 3.0
DAY_POISSON_SIGMAS = 4.0
RELATED_TERMS = 5
EXAMPLE_CHATS = 5


@dataclass(frozen=True)
class EmergingIssue:
    keyword: str
    count: int
    baseline_mean: float
    baseline_stdev: float
    first_seen: date
    keywords: list[str] = field(default_factory=list)
    example_chats: list[int] = field(default_factory=list)
    topic: str = ""  # the name of the learned topic its terms belong to, if any


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _analysed_chats(start: datetime, end: datetime) -> QuerySet[Chat]:
    return Chat.objects.filter(
        started_at__gte=start, started_at__lt=end, insight__isnull=False
    ).order_by()


def _above_expected(count: int, expected: float) -> bool:
    return (
        count >= DAY_MIN_COUNT
        and count >= DAY_FACTOR * expected
        and count >= expected + DAY_POISSON_SIGMAS * sqrt(expected + 1)
    )


def trends_emerging_issues_daily(
    *, as_of: date, baseline_days: int = BASELINE_DAYS
) -> list[EmergingIssue]:
    """Emerging issues on the day `as_of`, strongest surge first."""
    first_day = as_of - timedelta(days=baseline_days)
    start, end = _day_start(first_day), _day_start(as_of + timedelta(days=1))
    chats_per_day = {
        row["day"]: row["chats"]
        for row in _analysed_chats(start, end)
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(chats=Count("id"))
    }
    if not chats_per_day.get(as_of):
        return []
    per_term: dict[str, dict[date, int]] = defaultdict(dict)
    for row in (
        ChatKeyword.objects.filter(chat__started_at__gte=start, chat__started_at__lt=end)
        .filter(chat__insight__isnull=False)
        .annotate(day=TruncDate("chat__started_at"))
        .values("term", "day")
        .annotate(chats=Count("chat", distinct=True))
        .order_by()
    ):
        per_term[row["term"]][row["day"]] = row["chats"]
    baseline_days_list = [first_day + timedelta(days=offset) for offset in range(baseline_days)]
    reference = baseline_days_list[: max(baseline_days - GUARD_DAYS, 1)]
    baseline_chats = sum(chats_per_day.get(day, 0) for day in reference)
    if (
        baseline_chats < MIN_BASELINE_CHATS
        or sum(bool(chats_per_day.get(day)) for day in reference) < MIN_BASELINE_DAYS
    ):
        return []
    issues = []
    for term, by_day in per_term.items():
        count = by_day.get(as_of, 0)
        if count < DAY_MIN_COUNT:
            continue
        history = [by_day.get(day, 0) for day in reference]
        share = sum(history) / baseline_chats
        if not _above_expected(count, share * chats_per_day[as_of]):
            continue
        first_seen = as_of
        for day in reversed(baseline_days_list):
            if not _above_expected(by_day.get(day, 0), share * chats_per_day.get(day, 0)):
                break
            first_seen = day
        mean = sum(history) / len(history)
        stdev = sqrt(sum((value - mean) ** 2 for value in history) / len(history))
        issues.append(
            EmergingIssue(
                keyword=term,
                count=count,
                baseline_mean=round(mean, 2),
                baseline_stdev=round(stdev, 2),
                first_seen=first_seen,
            )
        )
    issues.sort(key=lambda issue: (-(issue.count - issue.baseline_mean), issue.keyword))
    return _merged_into_topics(issues, _day_start(as_of), end)


def term_chats_and_related(
    *, term: str, start: datetime, end: datetime
) -> tuple[list[int], Counter[str]]:
    """The chats started in [start, end) that have `term`, and how often each other term occurs
    in them."""
    chat_ids = list(
        ChatKeyword.objects.filter(term=term, chat__started_at__gte=start, chat__started_at__lt=end)
        .order_by("chat_id")
        .values_list("chat_id", flat=True)
        .distinct()
    )
    related = Counter(
        ChatKeyword.objects.filter(chat_id__in=chat_ids)
        .exclude(term=term)
        .values_list("term", flat=True)
    )
    return chat_ids, related


def _term_topic_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for name, terms in Topic.objects.order_by("-chat_count", "pk").values_list("name", "terms"):
        for term in terms:
            names.setdefault(term, name)
    return names


def _merged_into_topics(
    issues: list[EmergingIssue], start: datetime, end: datetime
) -> list[EmergingIssue]:
    """One result per topic: a surging term found mostly in the chats of a stronger one is one of
    its related terms, not an issue of its own. Two queries per topic, for a handful of topics."""
    topics: list[EmergingIssue] = []
    covered: set[str] = set()
    term_topic = _term_topic_names()
    for issue in issues:
        if issue.keyword in covered:
            continue
        chat_ids, related = term_chats_and_related(term=issue.keyword, start=start, end=end)
        # A term in most of these chats belongs to this topic.
        members = [term for term, seen in related.most_common() if seen * 2 >= len(chat_ids)]
        covered.update(members)
        terms = [issue.keyword, *[term for term, _ in related.most_common(RELATED_TERMS)]]
        topics.append(
            EmergingIssue(
                keyword=issue.keyword,
                count=issue.count,
                baseline_mean=issue.baseline_mean,
                baseline_stdev=issue.baseline_stdev,
                first_seen=issue.first_seen,
                keywords=terms,
                example_chats=chat_ids[:EXAMPLE_CHATS],
                topic=next((term_topic[term] for term in terms if term in term_topic), ""),
            )
        )
    return topics
