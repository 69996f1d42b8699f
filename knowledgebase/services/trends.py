"""Weekly trend rollups (R-KB-4): the work of the `rollup_trends` job.

Invariants:
- A rollup row is (week, dimension, value) → chat count, average sentiment and satisfaction. It
  names no chat and holds no text beyond a keyword, a category slug or a country code.
- Rollups are computed from ChatInsight/ChatKeyword/ChatCategory, which survive disposal, and only
  for weeks touched since the last run (an insight changed after it was rolled up); so disposing
  of chats changes no rollup, and re-running is a no-op.
- Each week is recomputed whole (delete + insert) in one transaction, with that week's insights
  locked, so a reader never sees a half-written week and an interrupted run loses nothing.
- Set-based (issue #19): a chunk of weeks is one DELETE, four INSERT … SELECT … GROUP BY (one
  per dimension) and one UPDATE, whatever the number of chats in it.

Disposal (`trend_rollups_dispose`, the dispose_trend_rollups job; SPEC §6 "trend rollups, 10
years"): a week's rows are disposed of once the week has ended and the period of the rollup
class's file-plan schedule (TREND_ROLLUP_CLASS, jurisdiction "*", in force now) has passed since.
The period is read from the file plan at every run; no schedule, or one whose action is not
`destroy` (retain, review, anonymize) or whose trigger is not chat_ended, disposes of nothing
and says why (fail closed). Chunks of rows, each deleted with its audit event in one
transaction; a re-run finds nothing more to do; rollup_trends never rebuilds a disposed week.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import F, Q

from audit.services import audit_event_record
from core.batching import chunks_process
from core.db import is_postgresql
from knowledgebase.models import (
    Category,
    ChatCategory,
    ChatInsight,
    ChatKeyword,
    TrendDimension,
    TrendRollup,
)
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


def _average(column: str, places: int) -> str:
    """round(mean, places) in SQL, as Python's round(fmean(...), places) gives it."""
    if is_postgresql():
        return f"ROUND(AVG({column})::numeric, {places})::double precision"
    return f"ROUND(AVG({column}), {places})"


_ROLLUP_COLUMNS = (
    "week_start, dimension, value, chat_count, sentiment_avg, sentiment_count, "
    "satisfaction_avg, satisfaction_count, computed_at"
)


def _dimension_sources() -> list[tuple[str, str]]:
    """(dimension, a SELECT of one row per (chat, value) of the weeks given), every name ours.
    DISTINCT: a chat counts once per value (an automatic and a manual keyword of the same
    term are one)."""
    insight = ChatInsight._meta.db_table
    keyword = ChatKeyword._meta.db_table
    chat_category = ChatCategory._meta.db_table
    category = Category._meta.db_table
    columns = "i.chat_id, i.week_start, i.sentiment, i.satisfaction"
    return [
        (
            TrendDimension.ALL,
            f"SELECT {columns}, 'all' AS value FROM {insight} i WHERE {{weeks}}",  # noqa: S608
        ),
        (
            TrendDimension.COUNTRY,
            f"SELECT {columns}, CASE WHEN i.country IS NULL OR i.country = '' THEN 'unknown' "  # noqa: S608
            f"ELSE i.country END AS value FROM {insight} i WHERE {{weeks}}",
        ),
        (
            TrendDimension.CATEGORY,
            f"SELECT DISTINCT {columns}, SUBSTR(c.slug, 1, 128) AS value FROM {insight} i "  # noqa: S608
            f"JOIN {chat_category} cc ON cc.chat_id = i.chat_id "
            f"JOIN {category} c ON c.id = cc.category_id WHERE {{weeks}}",
        ),
        (
            TrendDimension.KEYWORD,
            f"SELECT DISTINCT {columns}, SUBSTR(k.term, 1, 128) AS value FROM {insight} i "  # noqa: S608
            f"JOIN {keyword} k ON k.chat_id = i.chat_id WHERE {{weeks}}",
        ),
    ]


def _weeks_rows_insert(weeks: list[date], now: datetime) -> int:
    """Writes the rollup rows of `weeks` (their old rows already deleted) with one
    INSERT … SELECT per dimension; returns how many rows were written."""
    placeholders = ", ".join(["%s"] * len(weeks))
    written = 0
    with connection.cursor() as cursor:
        for dimension, source in _dimension_sources():
            rows = source.format(weeks=f"i.week_start IN ({placeholders})")
            cursor.execute(
                f"INSERT INTO {TrendRollup._meta.db_table} ({_ROLLUP_COLUMNS}) "  # noqa: S608 - our names
                f"SELECT t.week_start, %s, t.value, COUNT(*), {_average('t.sentiment', 4)}, "
                f"COUNT(t.sentiment), {_average('t.satisfaction', 2)}, COUNT(t.satisfaction), %s "
                f"FROM ({rows}) t GROUP BY t.week_start, t.value",
                [dimension, now, *weeks],
            )
            written += cursor.rowcount
    return written


def trends_rollup(*, now: datetime, chunk_size: int = ROLLUP_WEEKS_PER_CHUNK) -> RollupSummary:
    """Recomputes every touched week, `chunk_size` weeks per transaction, set-based: the
    chunk's insights locked, its rollups deleted and rewritten by four INSERT … SELECT (one per
    dimension), its insights marked rolled up. A week past the rollups' schedule is not rebuilt
    (it was, or is about to be, disposed of)."""
    summary = RollupSummary()
    weeks = weeks_touched()
    last_disposable = trend_rollup_disposal_plan(now=now).last_week
    for start in range(0, len(weeks), chunk_size):
        chunk = weeks[start : start + chunk_size]
        live = [w for w in chunk if last_disposable is None or w > last_disposable]
        with transaction.atomic():
            # Read under lock, like the rows they become: a reader never sees half a week.
            list(
                ChatInsight.objects.select_for_update()
                .filter(week_start__in=chunk)
                .values_list("pk", flat=True)
            )
            if live:
                TrendRollup.objects.filter(week_start__in=live).delete()
                summary.rows += _weeks_rows_insert(live, now)
                summary.weeks += len(live)
            # Insights changed after `now` (a clock in the past, e.g. run_job --now) still
            # count as rolled up here: they were read under the lock above.
            ChatInsight.objects.filter(week_start__in=chunk).update(rolled_up_at=F("updated_at"))
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
