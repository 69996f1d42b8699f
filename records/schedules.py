"""Changing the file plan's retention schedules (R-RET-3): a schedule change and the recompute
of its class's records commit together, and its impact can be measured first (a dry run rolled
back in full)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError
from core.history import history_note
from records.models import Record, RecordClass, RetentionSchedule
from records.recompute import RECOMPUTE_CHUNK_SIZE, records_retention_recompute
from records.rules import records_live_q, records_past_disposition_q, schedule_values_problem

# Audit events name schedules as they always have, from when the model lived in retention.
SCHEDULE_AUDIT_TARGET_TYPE = "retention.retentionschedule"


SCHEDULE_FIELDS = (
    "jurisdiction",
    "retention_years",
    "retention_months",
    "retention_days",
    "trigger",
    "cutoff",
    "pii_period_days",
    "action",
    "citation",
    "effective_from",
    "effective_to",
)


def schedule_values(schedule: RetentionSchedule) -> dict[str, Any]:
    return {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}


def schedule_apply(
    schedule: RetentionSchedule, *, record_class: RecordClass, data: dict[str, Any]
) -> None:
    """Sets the new values on `schedule` (unsaved) and refuses, by field, anything implausible."""
    vital = data.get("vital")
    if vital is not None and not isinstance(vital, bool):
        raise ApplicationError("vital must be true or false", extra={"field": "vital"})
    schedule.record_class = record_class
    for name in SCHEDULE_FIELDS:
        if name in data:
            setattr(schedule, name, data[name])
    if isinstance(schedule.jurisdiction, str):
        schedule.jurisdiction = (schedule.jurisdiction.strip() or "*").upper()
    if isinstance(schedule.trigger, str):
        schedule.trigger = schedule.trigger.strip()
    problem = schedule_values_problem(schedule_values(schedule))
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
    schedule_apply(schedule, record_class=record_class, data=data)
    history_note(schedule, user=changed_by, reason=reason)
    schedule.save()
    changes = {
        name: {"before": before[name], "after": getattr(schedule, name)}
        for name in SCHEDULE_FIELDS
        if not created and before[name] != getattr(schedule, name)
    }
    vital = data.get("vital")
    if vital is not None and vital != record_class.vital:
        # The class's flag (SPEC §4.1 lists `vital` among the schedule's fields).
        changes["vital"] = {"before": record_class.vital, "after": vital}
        record_class.vital = vital
        history_note(record_class, user=changed_by, reason=reason)
        record_class.save(update_fields=["vital"])
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
        target_type=SCHEDULE_AUDIT_TARGET_TYPE,
        target_id=schedule.pk,
        data={
            "record_class": record_class.code,
            "jurisdiction": schedule.jurisdiction,
            "period": schedule.period_label,
            "cutoff": schedule.cutoff,
            "action": schedule.action,
            "vital": record_class.vital,
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
        Record.objects.filter(records_live_q(), record_class_id__in=class_ids).values_list(
            "pk", "disposition_due"
        )
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
