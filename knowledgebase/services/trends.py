"""Weekly trend rollups (R-KB-4): the work of the `rollup_trends` job.

Invariants:
- A rollup row is (week, dimension, value) → chat count, average sentiment and satisfaction. It
  names no chat and holds no text beyond a keyword, a category slug or a country code.
- Rollups are computed from ChatInsight/ChatKeyword/ChatCategory, which survive disposal, and only
  for weeks touched since the last run (an insight changed after it was rolled up); so disposing
  of chats changes no rollup, and re-running is a no-op.
- Each week is recomputed whole (delete + insert) in one transaction, with that week's insights
  locked, so a reader never sees a half-written week and an interrupted run loses nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean

from django.db import transaction
from django.db.models import F, Q

from knowledgebase.models import ChatCategory, ChatInsight, ChatKeyword, TrendDimension, TrendRollup

logger = logging.getLogger(__name__)

ROLLUP_WEEKS_PER_CHUNK = 20


@dataclass
class RollupSummary:
    weeks: int = 0
    rows: int = 0


def weeks_touched() -> list[date]:
    return sorted(
        ChatInsight.objects.filter(
            Q(rolled_up_at__isnull=True) | Q(rolled_up_at__lt=F("updated_at"))
        )
        .order_by("week_start")  # the default ordering would defeat DISTINCT
        .values_list("week_start", flat=True)
        .distinct()
    )


class _Bucket:
    def __init__(self) -> None:
        self.chats: set[int] = set()
        self.sentiments: list[float] = []
        self.satisfactions: list[float] = []

    def add(self, chat_id: int, sentiment: float | None, satisfaction: float | None) -> None:
        if chat_id in self.chats:
            return
        self.chats.add(chat_id)
        if sentiment is not None:
            self.sentiments.append(sentiment)
        if satisfaction is not None:
            self.satisfactions.append(satisfaction)


def _week_rows(week: date, now: datetime) -> list[TrendRollup]:
    insights = list(
        ChatInsight.objects.select_for_update()
        .filter(week_start=week)
        .values_list("chat_id", "country", "sentiment", "satisfaction")
    )
    by_chat = {
        chat_id: (sentiment, satisfaction) for chat_id, _, sentiment, satisfaction in insights
    }
    buckets: dict[tuple[str, str], _Bucket] = defaultdict(_Bucket)
    for chat_id, country, sentiment, satisfaction in insights:
        buckets[(TrendDimension.ALL, "all")].add(chat_id, sentiment, satisfaction)
        buckets[(TrendDimension.COUNTRY, country or "unknown")].add(
            chat_id, sentiment, satisfaction
        )
    chat_ids = list(by_chat)
    for chat_id, slug in ChatCategory.objects.filter(chat_id__in=chat_ids).values_list(
        "chat_id", "category__slug"
    ):
        buckets[(TrendDimension.CATEGORY, slug)].add(chat_id, *by_chat[chat_id])
    for chat_id, term in ChatKeyword.objects.filter(chat_id__in=chat_ids).values_list(
        "chat_id", "term"
    ):
        buckets[(TrendDimension.KEYWORD, term)].add(chat_id, *by_chat[chat_id])
    return [
        TrendRollup(
            week_start=week,
            dimension=dimension,
            value=value[:128],
            chat_count=len(bucket.chats),
            sentiment_avg=round(fmean(bucket.sentiments), 4) if bucket.sentiments else None,
            sentiment_count=len(bucket.sentiments),
            satisfaction_avg=round(fmean(bucket.satisfactions), 2)
            if bucket.satisfactions
            else None,
            satisfaction_count=len(bucket.satisfactions),
            computed_at=now,
        )
        for (dimension, value), bucket in sorted(buckets.items())
    ]


def trends_rollup(*, now: datetime, chunk_size: int = ROLLUP_WEEKS_PER_CHUNK) -> RollupSummary:
    """Recomputes every touched week, `chunk_size` weeks per transaction."""
    summary = RollupSummary()
    weeks = weeks_touched()
    for start in range(0, len(weeks), chunk_size):
        chunk = weeks[start : start + chunk_size]
        with transaction.atomic():
            for week in chunk:
                rows = _week_rows(week, now)
                TrendRollup.objects.filter(week_start=week).delete()
                TrendRollup.objects.bulk_create(rows, batch_size=1000)
                # Insights changed after `now` (a clock in the past, e.g. run_job --now) still
                # count as rolled up here: they were read under the lock above.
                ChatInsight.objects.filter(week_start=week).update(rolled_up_at=F("updated_at"))
                summary.weeks += 1
                summary.rows += len(rows)
    logger.info("rolled up %d weeks (%d rows)", summary.weeks, summary.rows)
    return summary
