"""Computing and recomputing each record's retention (R-RET-1…3).

Invariants: a record's disposition date comes only from `schedule_resolve`; unknown country, no
schedule in force or a missing trigger event leave `disposition_due` empty (never disposed);
a recompute that moves the date of a record already proposed for disposal withdraws it from the
batch, so the change gets a new review (R-RET-3). Disposed and anonymised records are final.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from core.exceptions import ApplicationError
from records.models import CustomerEvent, Record, RecordClass, RecordStatus
from retention.models import (
    OPEN_BATCH_STATES,
    TRIGGER_CHAT_ENDED,
    DisposalItem,
    ItemStatus,
    RetentionSchedule,
)
from retention.rules import period_add, schedule_resolve

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
]


def _trigger_moment(
    chat: Chat, trigger: str, events: dict[tuple[int, str], datetime]
) -> datetime | None:
    if trigger == TRIGGER_CHAT_ENDED:
        return chat.ended_at
    if chat.customer_id is None:
        return None
    return events.get((chat.customer_id, trigger))


def _retention_values(
    record: Record,
    schedules: list[RetentionSchedule],
    events: dict[tuple[int, str], datetime],
    now: datetime,
) -> dict[str, Any]:
    chat = record.chat
    resolution = schedule_resolve(schedules, country=chat.country, region=chat.region, at=now)
    schedule: RetentionSchedule | None = resolution.schedule
    if schedule is None:
        return {
            "schedule": None,
            "jurisdiction": "",
            "trigger": "",
            "trigger_at": None,
            "disposition_due": None,
            "pii_purge_due": None,
            "status": RecordStatus.FLAGGED,
            "flag_reason": resolution.reason,
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
    }
    if trigger_at is not None:
        values["disposition_due"] = period_add(
            trigger_at,
            years=schedule.retention_years,
            months=schedule.retention_months,
            days=schedule.retention_days,
        )
        if schedule.pii_period_days is not None:
            values["pii_purge_due"] = period_add(
                trigger_at, years=0, months=0, days=schedule.pii_period_days
            )
    return values


def _events_for(records: list[Record]) -> dict[tuple[int, str], datetime]:
    customer_ids = {r.chat.customer_id for r in records if r.chat.customer_id is not None}
    if not customer_ids:
        return {}
    # Withdrawn events no longer count (retention.services.events).
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
    for record in records:
        values = _retention_values(
            record, schedules_by_class.get(record.record_class_id, []), events, now
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
    Record.objects.bulk_update(changed, RETENTION_FIELDS, batch_size=500)
    Record.history.bulk_history_create(
        changed,
        update=True,
        default_user=changed_by,
        default_change_reason=reason[:100],
        default_date=timezone.now(),
    )
    if moved_due:
        # R-RET-3: a proposed or approved disposal of a record whose date moved needs a new review.
        DisposalItem.objects.filter(
            record_id__in=moved_due,
            status=ItemStatus.PENDING,
            batch__state__in=OPEN_BATCH_STATES,
        ).update(status=ItemStatus.WITHDRAWN, reason=f"retention recomputed: {reason}"[:500])
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
    base = Record.objects.filter(status__in=(RecordStatus.ACTIVE, RecordStatus.FLAGGED))
    if record_ids is not None:
        base = base.filter(pk__in=list(record_ids))
    if record_class is not None:
        base = base.filter(record_class=record_class)
    changed, last_pk = 0, 0
    while True:
        with transaction.atomic():
            chunk = list(
                base.filter(pk__gt=last_pk)
                .select_related("chat")
                .select_for_update(of=("self",))
                .order_by("pk")[:chunk_size]
            )
            changed += _recompute_chunk(
                records=chunk,
                now=now,
                reason=reason,
                changed_by=changed_by,
            )
        if len(chunk) < chunk_size:
            break
        last_pk = chunk[-1].pk
    logger.info("retention recomputed: %s records changed (%s)", changed, reason)
    return changed


SCHEDULE_FIELDS = (
    "jurisdiction",
    "retention_years",
    "retention_months",
    "retention_days",
    "trigger",
    "pii_period_days",
    "action",
    "citation",
    "effective_from",
    "effective_to",
)


@transaction.atomic
def retention_schedule_save(
    *,
    schedule: RetentionSchedule | None = None,
    record_class: RecordClass,
    data: dict[str, Any],
    changed_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> RetentionSchedule:
    """Creates or changes a schedule, then recomputes the records of its class (R-RET-3)."""
    if not reason.strip():
        raise ApplicationError("A reason is required to change the file plan", extra={})
    created = schedule is None
    schedule = schedule or RetentionSchedule(record_class=record_class)
    schedule.record_class = record_class
    for name in SCHEDULE_FIELDS:
        if name in data:
            setattr(schedule, name, data[name])
    schedule.jurisdiction = (schedule.jurisdiction or "*").upper()
    schedule.full_clean()
    schedule._change_reason = reason[:100]  # type: ignore[attr-defined]
    schedule._history_user = changed_by  # type: ignore[attr-defined]
    schedule.save()
    audit_event_record(
        actor=changed_by,
        action="schedule.created" if created else "schedule.changed",
        target=schedule,
        data={
            "record_class": record_class.code,
            "jurisdiction": schedule.jurisdiction,
            "period": schedule.period_label,
            "reason": reason,
        },
    )
    moment = now or timezone.now()
    transaction.on_commit(
        lambda: records_retention_recompute(
            record_class=record_class,
            now=moment,
            reason=f"schedule {schedule.pk} changed",
            changed_by=changed_by,
        )
    )
    return schedule
