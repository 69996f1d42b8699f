"""Computing and recomputing each record's retention (R-RET-1…3).

Invariants: a record's disposition date comes only from `schedule_resolve`; unknown country, no
schedule in force or a missing trigger event leave `disposition_due` empty (never disposed);
a recompute that moves the date of a record already proposed for disposal withdraws it from the
batch, so the change gets a new review (R-RET-3). Disposed and anonymised records are final.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from core.exceptions import ApplicationError
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
    disposition_due_compute,
    period_add_or_none,
    pii_purge_due_longest,
    schedule_in_force,
    schedule_resolve,
    schedule_values_problem,
)
from retention.models import OPEN_BATCH_STATES, DisposalItem, ItemStatus
from retention.selectors import records_past_disposition_q

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
) -> dict[str, Any]:
    chat = record.chat
    resolution = schedule_resolve(schedules, country=chat.country, region=chat.region, at=now)
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
        due = disposition_due_compute(
            trigger_at,
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


def _schedule_apply(
    schedule: RetentionSchedule, *, record_class: RecordClass, data: dict[str, Any]
) -> None:
    """Sets the new values on `schedule` and refuses, by field, anything implausible."""
    schedule.record_class = record_class
    for name in SCHEDULE_FIELDS:
        if name in data:
            setattr(schedule, name, data[name])
    if isinstance(schedule.jurisdiction, str):
        schedule.jurisdiction = (schedule.jurisdiction.strip() or "*").upper()
    if isinstance(schedule.trigger, str):
        schedule.trigger = schedule.trigger.strip()
    problem = schedule_values_problem({name: getattr(schedule, name) for name in SCHEDULE_FIELDS})
    if problem is not None:
        field_name, message = problem
        raise ApplicationError(message, extra={"field": field_name})
    schedule.full_clean()


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
    """Creates or changes a schedule and recomputes the records of its class (R-RET-3), in one
    transaction: when the recompute fails, the schedule change rolls back with it."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A reason is required to change the file plan", extra={"field": "reason"}
        )
    created = schedule is None
    before: dict[str, Any] = {}
    if schedule is None:
        schedule = RetentionSchedule(record_class=record_class)
        class_ids = {record_class.pk}
    else:
        # A fresh, locked copy: a refused change leaves the caller's instance as it was, and two
        # managers editing one schedule are serialised.
        schedule = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
        before = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
        class_ids = {schedule.record_class_id, record_class.pk}
    _schedule_apply(schedule, record_class=record_class, data=data)
    schedule._change_reason = reason[:100]  # type: ignore[attr-defined]
    schedule._history_user = changed_by  # type: ignore[attr-defined]
    schedule.save()
    changes = {
        name: {"before": before[name], "after": getattr(schedule, name)}
        for name in SCHEDULE_FIELDS
        if not created and before[name] != getattr(schedule, name)
    }
    moment = now or timezone.now()
    recomputed = 0
    for affected in RecordClass.objects.filter(pk__in=class_ids).order_by("pk"):
        recomputed += records_retention_recompute(
            record_class=affected,
            now=moment,
            reason=f"schedule {schedule.pk} changed: {reason}",
            changed_by=changed_by,
            chunk_size=RECOMPUTE_CHUNK_SIZE,
        )
    audit_event_record(
        actor=changed_by,
        action="schedule.created" if created else "schedule.changed",
        target=schedule,
        data={
            "record_class": record_class.code,
            "jurisdiction": schedule.jurisdiction,
            "period": schedule.period_label,
            "action": schedule.action,
            "changes": changes,
            "records_recomputed": recomputed,
            "reason": reason,
        },
    )
    return schedule


@dataclass
class ScheduleImpact:
    """What a schedule change would do (`dry_run`), measured by doing it and rolling back."""

    records_moved: int = 0
    records_due_now: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


class _DryRunRollback(Exception):
    pass


IMPACT_EXAMPLES = 10


def _due_dates(class_ids: set[int]) -> dict[int, datetime | None]:
    return dict(
        Record.objects.filter(
            record_class_id__in=class_ids, status__in=(RecordStatus.ACTIVE, RecordStatus.FLAGGED)
        ).values_list("pk", "disposition_due")
    )


def retention_schedule_impact(
    *,
    schedule: RetentionSchedule | None = None,
    record_class: RecordClass,
    data: dict[str, Any],
    changed_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> ScheduleImpact:
    """The impact of retention_schedule_save with these values, which is run in full inside a
    transaction that is then rolled back: nothing is saved, nothing is audited."""
    moment = now or timezone.now()
    class_ids = {record_class.pk} | ({schedule.record_class_id} if schedule else set())
    before = _due_dates(class_ids)
    impact = ScheduleImpact()
    try:
        with transaction.atomic():
            retention_schedule_save(
                schedule=schedule,
                record_class=record_class,
                data=data,
                changed_by=changed_by,
                reason=reason,
                now=moment,
            )
            after = _due_dates(class_ids)
            impact.records_due_now = (
                Record.objects.filter(record_class_id__in=class_ids)
                .filter(records_past_disposition_q(now=moment))
                .count()
            )
            moved = sorted(pk for pk, due in after.items() if before.get(pk) != due)
            impact.records_moved = len(moved)
            external = dict(
                Record.objects.filter(pk__in=moved[:IMPACT_EXAMPLES]).values_list(
                    "pk", "chat__external_id"
                )
            )
            impact.examples = [
                {
                    "record": pk,
                    "chat_external_id": external.get(pk),
                    "disposition_due_before": before.get(pk),
                    "disposition_due_after": after[pk],
                }
                for pk in moved[:IMPACT_EXAMPLES]
            ]
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    return impact
