"""Weekly trend rollups (R-KB-4): the work of the `rollup_trends` job.

Invariants:
- A rollup row is (week, dimension, value) → chat count, average sentiment and satisfaction. It
  names no chat and holds no text beyond a keyword, a category slug or a country code.
- Rollups are computed from ChatInsight/ChatKeyword/ChatCategory, which survive disposal, and only
  for weeks touched since the last run (an insight changed after it was rolled up); so disposing
  of chats changes no rollup, and re-running is a no-op.
- Each week is recomputed whole (delete + insert) in one transaction, with that week's insights
  locked, so a reader never sees a half-written week and an interrupted run loses nothing.

Disposal (`trend_rollups_dispose`, the dispose_trend_rollups job; SPEC §6 "trend rollups, 10
years"): a week's rows are disposed of once the week has ended and the period of the rollup
class's file-plan schedule (TREND_ROLLUP_CLASS, jurisdiction "*", in force now) has passed since.
The period is read from the file plan at every run; no schedule, or one whose action is not
`destroy` (retain, review, anonymize) or whose trigger is not chat_ended, disposes of nothing
and says why (fail closed). Chunks of rows, each deleted with its audit event in one
transaction; a re-run finds nothing more to do; rollup_trends never rebuilds a disposed week.
"""

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import F, Q

from audit.services import audit_event_record
from core.batching import chunks_process
from knowledgebase.models import ChatCategory, ChatInsight, ChatKeyword, TrendDimension, TrendRollup
from records.file_plan import TREND_ROLLUP_CLASS
from records.models import TRIGGER_CHAT_ENDED, RetentionSchedule
from records.rules import ACTION_DESTROY, ANY_JURISDICTION, schedule_resolve

logger = logging.getLogger(__name__)

ROLLUP_WEEKS_PER_CHUNK = 20
ROLLUP_DISPOSAL_CHUNK_SIZE = 1000
WEEK = timedelta(days=7)


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
    """Recomputes every touched week, `chunk_size` weeks per transaction. A week past the
    rollups' schedule is not rebuilt (it was, or is about to be, disposed of)."""
    summary = RollupSummary()
    weeks = weeks_touched()
    last_disposable = trend_rollup_disposal_plan(now=now).last_week
    for start in range(0, len(weeks), chunk_size):
        chunk = weeks[start : start + chunk_size]
        with transaction.atomic():
            for week in chunk:
                if last_disposable is not None and week <= last_disposable:
                    ChatInsight.objects.filter(week_start=week).update(rolled_up_at=F("updated_at"))
                    continue
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


@dataclass(frozen=True)
class RollupDisposalPlan:
    """Which rollups are past their schedule: weeks starting on or before `last_week`; none
    (`last_week` None) with the reason when nothing may be disposed of."""

    schedule: RetentionSchedule | None
    last_week: date | None
    reason: str


def trend_rollup_disposal_plan(*, now: datetime) -> RollupDisposalPlan:
    schedules = list(
        RetentionSchedule.objects.filter(
            record_class__code=TREND_ROLLUP_CLASS, jurisdiction=ANY_JURISDICTION
        )
    )
    resolution = schedule_resolve(schedules, country=ANY_JURISDICTION, region="", at=now)
    schedule: RetentionSchedule | None = resolution.schedule
    if schedule is None:
        return RollupDisposalPlan(
            None,
            None,
            f"no retention schedule in force for {TREND_ROLLUP_CLASS} (*): rollups kept",
        )
    if schedule.action != ACTION_DESTROY:
        return RollupDisposalPlan(
            schedule, None, f"{TREND_ROLLUP_CLASS} schedule action is {schedule.action}: kept"
        )
    if schedule.trigger != TRIGGER_CHAT_ENDED:
        return RollupDisposalPlan(
            schedule,
            None,
            f"{TREND_ROLLUP_CLASS} schedule trigger {schedule.trigger} does not apply: kept",
        )
    try:
        # A week is over at start + 7 days; it is past the period once that moment is.
        horizon = now - relativedelta(
            years=schedule.retention_years,
            months=schedule.retention_months,
            days=schedule.retention_days,
        )
    except (OverflowError, ValueError):
        return RollupDisposalPlan(schedule, None, "the period reaches before year 1: kept")
    return RollupDisposalPlan(schedule, horizon.date() - WEEK, f"schedule {schedule.pk}")


@dataclass
class RollupDisposalSummary:
    deleted: int = 0
    chunks: int = 0
    schedule_id: int | None = None
    last_week: date | None = None
    kept_reason: str = ""  # set when nothing may be disposed of (fail closed)


def trend_rollups_dispose(
    *, now: datetime, chunk_size: int = ROLLUP_DISPOSAL_CHUNK_SIZE
) -> RollupDisposalSummary:
    """Deletes the rollups past their file-plan schedule, `chunk_size` rows per transaction,
    each chunk audited with its counts. Idempotent; an interrupted run loses one chunk's
    transaction at most and a re-run finishes."""
    plan = trend_rollup_disposal_plan(now=now)
    summary = RollupDisposalSummary(
        schedule_id=plan.schedule.pk if plan.schedule else None, last_week=plan.last_week
    )
    if plan.last_week is None:
        summary.kept_reason = plan.reason
        logger.warning("dispose_trend_rollups: %s", plan.reason)
        return summary
    # LIMIT without OFFSET: deleted rows leave the set.
    past = TrendRollup.objects.filter(week_start__lte=plan.last_week).select_for_update(
        skip_locked=True
    )

    def claim(after: object) -> list[tuple[int, date]]:
        return list(past.order_by("pk").values_list("pk", "week_start")[:chunk_size])

    def dispose(rows: Sequence[tuple[int, date]]) -> None:
        TrendRollup.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        weeks = sorted({week for _, week in rows})
        audit_event_record(
            actor=None,
            action="trends.rollups_disposed",
            target_type="knowledgebase.trendrollup",
            data={
                "rows": len(rows),
                "weeks": len(weeks),
                "first_week": weeks[0],
                "last_week": weeks[-1],
                "schedule": summary.schedule_id,
                "as_of": now,
            },
        )
        summary.deleted += len(rows)
        summary.chunks += 1

    chunks_process(claim=claim, process=dispose, chunk_size=chunk_size, label="trend rollups")
    logger.info("dispose_trend_rollups: %s", summary)
    return summary
