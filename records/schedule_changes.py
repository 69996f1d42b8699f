"""Schedule writes that shorten retention wait for a second records manager (SPEC §4.1).

Invariants:
- A write that shortens a retention period (years/months/days, or a cutoff that makes any date
  earlier), a PII period, or ends permanent retention (records.rules.schedule_change_shortens)
  changes nothing: it is kept as a RetentionScheduleChange (`pending_approval`) with the
  proposed values and the schedule's values they replace (`base`).
- Only another records manager applies it; the proposer never (four-eyes). It is applied through
  records.schedules.retention_schedule_save, so the schedule and the recompute of its records
  commit together, audited. A change is applied at most once; one proposed against values the
  schedule no longer has is refused as stale (and stays refused).
- Lengthening or neutral writes apply at once; new schedules (POST) apply at once.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.services import audit_event_record
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from core.roles import Role, user_has_role
from records.models import (
    RecordClass,
    RetentionSchedule,
    RetentionScheduleChange,
    ScheduleChangeState,
)
from records.recompute import retention_calendar
from records.rules import schedule_change_shortens
from records.schedules import (
    SCHEDULE_AUDIT_TARGET_TYPE,
    retention_schedule_save,
    schedule_apply,
    schedule_values,
)

CHANGE_AUDIT_TARGET_TYPE = "records.retentionschedulechange"
FOUR_EYES_MESSAGE = (
    "Four-eyes rule: a change that shortens retention must be approved by another records "
    "manager than the one who proposed it"
)


class FourEyesError(ApplicationError):
    status_code = 403


@dataclass(frozen=True)
class ScheduleWrite:
    """What a write did: saved the schedule, or kept a change waiting for approval."""

    schedule: RetentionSchedule | None = None
    change: RetentionScheduleChange | None = None


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return result


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    for name in ("effective_from", "effective_to"):
        if isinstance(data.get(name), str):
            data[name] = parse_datetime(data[name])
    return data


def _base(schedule: RetentionSchedule) -> dict[str, Any]:
    return _jsonable(
        {
            **schedule_values(schedule),
            "record_class": schedule.record_class_id,
            "vital": schedule.record_class.vital,
        }
    )


def schedule_write_shortens(
    schedule: RetentionSchedule, *, record_class: RecordClass, data: dict[str, Any]
) -> list[str]:
    """Which shortenings `data` would make to `schedule` (checked on an unsaved copy, which
    also refuses invalid values by field first)."""
    before = schedule_values(schedule)
    proposed = RetentionSchedule.objects.get(pk=schedule.pk)
    schedule_apply(proposed, record_class=record_class, data=data)
    calendar = retention_calendar()
    return schedule_change_shortens(
        before, schedule_values(proposed), zone=calendar.zone, fiscal_start=calendar.fiscal_start
    )


@transaction.atomic
def retention_schedule_write(
    *,
    schedule: RetentionSchedule | None,
    record_class: RecordClass,
    data: dict[str, Any],
    changed_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> ScheduleWrite:
    """A schedule write from the API or the page: applied now, or (when it shortens) kept as a
    pending change that another records manager approves."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A reason is required to change the file plan", extra={"field": "reason"}
        )
    if schedule is not None:
        schedule = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
        shortens = schedule_write_shortens(schedule, record_class=record_class, data=data)
        if shortens:
            change = RetentionScheduleChange(
                schedule=schedule,
                proposed=_jsonable({**data, "record_class": record_class.code}),
                base=_base(schedule),
                shortens=shortens,
                reason=reason,
                proposed_by=changed_by,
                proposed_at=timezone.now(),
            )
            history_note(change, user=changed_by, reason=reason)
            change.save()
            audit_event_record(
                actor=changed_by,
                action="schedule.change_proposed",
                target=change,
                data={
                    "schedule": schedule.pk,
                    "shortens": shortens,
                    "proposed": change.proposed,
                    "reason": reason,
                },
            )
            return ScheduleWrite(change=change)
    saved = retention_schedule_save(
        schedule=schedule,
        record_class=record_class,
        data=data,
        changed_by=changed_by,
        reason=reason,
        now=now,
    )
    return ScheduleWrite(schedule=saved)


def retention_schedule_change_approve(
    *, change_id: int, approver: User, now: datetime | None = None
) -> RetentionScheduleChange:
    """Applies a pending change (schedule and recompute in one transaction, audited). Refused:
    the proposer (403, four-eyes), anyone but a records manager (403), a change no longer
    pending (409), a change whose schedule was edited since it was proposed (409, stale)."""
    if not user_has_role(approver, Role.RECORDS_MANAGER):
        raise FourEyesError("Only a records manager may approve a schedule change")
    stale = False
    with transaction.atomic():
        change = (
            RetentionScheduleChange.objects.select_for_update(of=("self",))
            .select_related("proposed_by")
            .filter(pk=change_id)
            .first()
        )
        if change is None:
            raise ApplicationError(f"No schedule change {change_id}", extra={"change": change_id})
        if change.state != ScheduleChangeState.PENDING:
            raise ConflictError(
                f"Schedule change {change.pk} is {change.state}: it is not pending approval",
                extra={"change": change.pk, "state": change.state},
            )
        if change.proposed_by_id == approver.pk:
            raise FourEyesError(FOUR_EYES_MESSAGE, extra={"change": change.pk})
        schedule = (
            RetentionSchedule.objects.select_for_update(of=("self",))
            .select_related("record_class")
            .get(pk=change.schedule_id)
        )
        moment = now or timezone.now()
        change.decided_by, change.decided_at = approver, timezone.now()
        if _base(schedule) != change.base:
            stale = True
            change.state = ScheduleChangeState.STALE
            history_note(change, user=approver, reason="stale: the schedule changed meanwhile")
            change.save()
            audit_event_record(
                actor=approver,
                action="schedule.change_stale",
                target=change,
                data={"schedule": schedule.pk},
            )
        else:
            data = _decoded(change.proposed)
            code = data.pop("record_class", None)
            record_class = RecordClass.objects.filter(code=code).first() or schedule.record_class
            proposer = change.proposed_by.get_username() if change.proposed_by else "system"
            retention_schedule_save(
                schedule=schedule,
                record_class=record_class,
                data=data,
                changed_by=approver,
                reason=f"{change.reason} (change {change.pk} by {proposer}, approved)",
                now=moment,
            )
            change.state = ScheduleChangeState.APPLIED
            history_note(change, user=approver, reason="approved and applied")
            change.save()
            audit_event_record(
                actor=approver,
                action="schedule.change_approved",
                target=change,
                data={
                    "schedule": schedule.pk,
                    "schedule_target": SCHEDULE_AUDIT_TARGET_TYPE,
                    "proposed_by": proposer,
                    "shortens": change.shortens,
                },
            )
    if stale:
        raise ConflictError(
            f"Schedule change {change.pk} is stale: schedule {change.schedule_id} was changed "
            "after it was proposed; propose it again",
            extra={"change": change.pk, "state": ScheduleChangeState.STALE},
        )
    return change


def schedule_changes_pending() -> Any:
    return RetentionScheduleChange.objects.filter(state=ScheduleChangeState.PENDING).select_related(
        "schedule__record_class", "proposed_by"
    )
