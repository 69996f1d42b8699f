"""Computing and recomputing each record's retention (R-RET-1…3).

Invariants: a record's disposition date comes only from `schedule_resolve`; unknown country, no
schedule in force or a missing trigger event leave `disposition_due` empty (never disposed);
a recompute that moves the date of a record already proposed for disposal sends
`records.hooks.records_disposition_moved` in the chunk's transaction, and retention withdraws it
from the batch, so the change gets a new review (R-RET-3). Disposed and anonymised records are
final.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from chats.models import Chat
from core.batching import chunks_process, rows_after
from core.db import any_of
from core.db.history import rows_update_with_history
from records.hooks import DispositionsMoved, records_disposition_moved
from records.models import (
    TRIGGER_CHAT_ENDED,
    CustomerEvent,
    Record,
    RecordClass,
    RecordStatus,
    RetentionSchedule,
)
from records.rules import (
    ACTION_RETAIN,
    ACTION_REVIEW,
    Resolution,
    cutoff_moment,
    disposition_due_compute,
    fiscal_year_start_parse,
    period_add_or_none,
    pii_purge_due_longest,
    records_live_q,
    retention_steps,
    schedule_in_force,
    schedule_resolve,
)

logger = logging.getLogger(__name__)

RECOMPUTE_CHUNK_SIZE = 1000
RETENTION_FIELDS = [
    "schedule",
    "jurisdiction",
    "trigger",
    "trigger_at",
    "disposition_due",
    "pii_purge_due",
    "status",
    "flag_reason",
    "review_decision",
]


@dataclass(frozen=True)
class RetentionCalendar:
    """RETENTION_TIME_ZONE and FISCAL_YEAR_START, as the cutoff rule takes them."""

    zone: tzinfo
    fiscal_start: tuple[int, int]

    def cutoff(self, trigger_at: datetime, cutoff: str) -> datetime:
        return cutoff_moment(trigger_at, cutoff, zone=self.zone, fiscal_start=self.fiscal_start)


def retention_calendar() -> RetentionCalendar:
    return RetentionCalendar(
        zone=ZoneInfo(settings.RETENTION_TIME_ZONE),
        fiscal_start=fiscal_year_start_parse(settings.FISCAL_YEAR_START),
    )


def record_retention_steps(record: Record) -> tuple[datetime, str] | None:
    """(cutoff moment, the explanation's steps) of a record with a schedule and a trigger."""
    schedule = record.schedule
    if schedule is None or record.trigger_at is None:
        return None
    calendar = retention_calendar()
    cutoff_at = calendar.cutoff(record.trigger_at, schedule.cutoff)
    return cutoff_at, retention_steps(
        trigger=record.trigger or schedule.trigger,
        trigger_at=record.trigger_at,
        cutoff=schedule.cutoff,
        cutoff_at=cutoff_at,
        years=schedule.retention_years,
        months=schedule.retention_months,
        days=schedule.retention_days,
        # The schedule's own date (a review decision may keep the record longer: said apart).
        due=period_add_or_none(
            cutoff_at,
            years=schedule.retention_years,
            months=schedule.retention_months,
            days=schedule.retention_days,
        ),
        zone=calendar.zone,
    )


def _trigger_moment(
    chat: Chat, trigger: str, events: dict[tuple[int, str], datetime]
) -> datetime | None:
    if trigger == TRIGGER_CHAT_ENDED:
        return chat.ended_at
    if chat.customer_id is None:
        return None
    return events.get((chat.customer_id, trigger))


def _unknown_country_pii(
    chat: Chat,
    schedules: list[RetentionSchedule],
    events: dict[tuple[int, str], datetime],
    now: datetime,
) -> tuple[datetime | None, str]:
    """Purge date of the originals of a record whose country is unknown: the longest PII period
    of any schedule of its class in force (any jurisdiction), or none (kept) when one of them
    cannot say or no schedule could apply. Returns (date, why)."""
    candidates: list[tuple[datetime | None, RetentionSchedule]] = []
    for schedule in schedules:
        if not schedule_in_force(schedule, now):
            continue
        trigger_at = _trigger_moment(chat, schedule.trigger, events)
        due = None
        if trigger_at is not None and schedule.pii_period_days is not None:
            due = period_add_or_none(trigger_at, years=0, months=0, days=schedule.pii_period_days)
        candidates.append((due, schedule))
    if not candidates:
        return None, "no schedule could apply: originals kept"
    due = pii_purge_due_longest([candidate for candidate, _ in candidates])
    if due is None:
        return None, "originals kept (a schedule that could apply has no purge date)"
    longest = max((s for d, s in candidates if d == due), key=lambda s: s.pii_period_days or 0)
    return due, (
        f"originals purged after {longest.pii_period_days} days "
        "(the longest PII period of the class)"
    )


def _retention_values(
    record: Record,
    schedules: list[RetentionSchedule],
    events: dict[tuple[int, str], datetime],
    now: datetime,
    calendar: RetentionCalendar,
    resolutions: dict[tuple[int, str, str], Resolution] | None = None,
) -> dict[str, Any]:
    chat = record.chat
    key = (record.record_class_id, chat.country, chat.region)
    resolution = resolutions.get(key) if resolutions is not None else None
    if resolution is None:
        resolution = schedule_resolve(schedules, country=chat.country, region=chat.region, at=now)
        if resolutions is not None:
            resolutions[key] = resolution
    schedule: RetentionSchedule | None = resolution.schedule
    if schedule is None:
        pii_due, flag_reason = None, resolution.reason
        if not chat.country:
            pii_due, why = _unknown_country_pii(chat, schedules, events, now)
            flag_reason = f"{resolution.reason}; {why}"
        return {
            "schedule": None,
            "jurisdiction": "",
            "trigger": "",
            "trigger_at": None,
            "disposition_due": None,
            "pii_purge_due": pii_due,
            "status": RecordStatus.FLAGGED,
            "flag_reason": flag_reason[:255],
            "review_decision": "",
        }
    trigger_at = _trigger_moment(chat, schedule.trigger, events)
    values: dict[str, Any] = {
        "schedule": schedule,
        "jurisdiction": schedule.jurisdiction,
        "trigger": schedule.trigger,
        "trigger_at": trigger_at,
        "status": RecordStatus.ACTIVE,
        "flag_reason": "" if trigger_at else f"waiting for event {schedule.trigger}",
        "disposition_due": None,
        "pii_purge_due": None,
        "review_decision": "",
    }
    if trigger_at is not None:
        # The retention period counts from the cutoff, the PII period from the trigger.
        due = disposition_due_compute(
            calendar.cutoff(trigger_at, schedule.cutoff),
            action=schedule.action,
            years=schedule.retention_years,
            months=schedule.retention_months,
            days=schedule.retention_days,
            retained_until=record.retained_until,
        )
        values["disposition_due"] = due
        if due is None and schedule.action != ACTION_RETAIN:
            values["flag_reason"] = "disposition date past year 9999: kept, never disposed"
        if schedule.pii_period_days is not None:
            values["pii_purge_due"] = period_add_or_none(
                trigger_at, years=0, months=0, days=schedule.pii_period_days
            )
    # A "destroy" review decision holds for the date it was taken on, and only for `review`.
    if (
        schedule.action == ACTION_REVIEW
        and record.review_decision
        and values["disposition_due"] == record.disposition_due
    ):
        values["review_decision"] = record.review_decision
    return values


def _events_for(records: list[Record]) -> dict[tuple[int, str], datetime]:
    customer_ids = {r.chat.customer_id for r in records if r.chat.customer_id is not None}
    if not customer_ids:
        return {}
    # Withdrawn events no longer count (retention.services.events.customer_event_withdraw).
    rows = CustomerEvent.objects.filter(
        customer_id__in=customer_ids, withdrawn_at__isnull=True
    ).values_list("customer_id", "name", "occurred_at")
    return {(customer_id, name): occurred for customer_id, name, occurred in rows}


def records_retention_fill(records: list[Record], *, now: datetime) -> list[Record]:
    """Sets the retention fields of these records (saved or not; `chat` loaded) in place and
    returns those whose values changed. Pure computation plus two look-ups per call."""
    events = _events_for(records)
    schedules_by_class: dict[int, list[RetentionSchedule]] = {}
    class_ids = {record.record_class_id for record in records}
    for schedule in RetentionSchedule.objects.filter(record_class_id__in=class_ids):
        schedules_by_class.setdefault(schedule.record_class_id, []).append(schedule)
    changed: list[Record] = []
    calendar = retention_calendar()
    # The schedule a record gets depends only on its class and place (and `now`): resolved once
    # per (class, country, region) of the chunk, not once per record.
    resolutions: dict[tuple[int, str, str], Resolution] = {}
    for record in records:
        values = _retention_values(
            record,
            schedules_by_class.get(record.record_class_id, []),
            events,
            now,
            calendar,
            resolutions,
        )
        before = {name: getattr(record, name, None) for name in RETENTION_FIELDS}
        if values == before:
            continue
        for name, value in values.items():
            setattr(record, name, value)
        changed.append(record)
    return changed


def _recompute_chunk(
    *,
    records: list[Record],
    now: datetime,
    reason: str,
    changed_by: User | None,
) -> int:
    due_before = {record.pk: record.disposition_due for record in records}
    changed = records_retention_fill(records, now=now)
    if not changed:
        return 0
    moved_due = [r.pk for r in changed if r.disposition_due != due_before[r.pk]]
    rows_update_with_history(
        Record,
        changed,
        RETENTION_FIELDS,
        reason=reason,
        when=timezone.now(),
        user_id=changed_by.pk if changed_by is not None else None,
    )
    if moved_due:
        records_disposition_moved.send(
            DispositionsMoved(record_ids=tuple(moved_due), reason=reason)
        )
    return len(changed)


def records_retention_recompute(
    *,
    record_ids: Iterable[int] | None = None,
    record_class: RecordClass | None = None,
    now: datetime,
    reason: str,
    changed_by: User | None = None,
    chunk_size: int = RECOMPUTE_CHUNK_SIZE,
) -> int:
    """Recomputes live records (all, some ids, or one class). Returns how many changed.

    Chunked by primary key, each chunk its own transaction; safe to re-run (a record whose
    values did not change is not written)."""
    base = Record.objects.filter(records_live_q())
    if record_ids is not None:
        base = base.filter(any_of("pk", list(record_ids)))
    if record_class is not None:
        base = base.filter(record_class=record_class)
    claimable = base.select_related("chat").select_for_update(of=("self",))
    changed = 0

    def recompute(chunk: Sequence[Record]) -> None:
        nonlocal changed
        changed += _recompute_chunk(
            records=list(chunk), now=now, reason=reason, changed_by=changed_by
        )

    chunks_process(
        claim=lambda after: rows_after(claimable, after, chunk_size),
        process=recompute,
        chunk_size=chunk_size,
        label="records_retention_recompute",
    )
    logger.info("retention recomputed: %s records changed (%s)", changed, reason)
    return changed
