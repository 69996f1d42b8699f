"""Review decisions on records of a `review` schedule (SPEC §4.2).

Invariants: a record of a `review` schedule is never proposed for disposal at its date; it is
due for review (`rules.review_is_due`) until a records manager decides, with a reason:
- `retain`: kept until a new date (`retained_until`); a recompute never dates it earlier, and
  at that date it is due for review again;
- `destroy`: eligible for the next disposal batch, which still needs its approvals; the
  decision holds for the current date only (a recompute that moves the date clears it).
The decision, the new date and the record's history row are written in one transaction with
its audit event; a refused decision changes nothing.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from records.models import Record
from records.recompute import records_retention_recompute
from records.rules import (
    MAX_PERIOD_DAYS,
    MAX_RETENTION_YEARS,
    REVIEW_DECISION_DESTROY,
    period_add_or_none,
    review_is_due,
)

REVIEW_DECISIONS = ("retain", "destroy")


def review_retain_until(
    *,
    now: datetime,
    retain_until: datetime | None = None,
    period_days: int | None = None,
    period_months: int | None = None,
    period_years: int | None = None,
) -> datetime:
    """The date a `retain` decision keeps a record until: given, or now + a period."""
    periods = {"period_days": period_days, "period_months": period_months}
    periods["period_years"] = period_years
    given = {name: value for name, value in periods.items() if value is not None}
    if retain_until is not None and given:
        raise ApplicationError(
            "Give either retain_until or a period, not both", extra={"field": "retain_until"}
        )
    if retain_until is None:
        if not given:
            raise ApplicationError(
                "A retain decision needs retain_until (a date) or period_days/months/years",
                extra={"field": "retain_until"},
            )
        limits = {
            "period_days": MAX_PERIOD_DAYS,
            "period_months": MAX_RETENTION_YEARS * 12,
            "period_years": MAX_RETENTION_YEARS,
        }
        for name, value in given.items():
            if value <= 0 or value > limits[name]:
                raise ApplicationError(
                    f"{name} must be between 1 and {limits[name]}; "
                    "for permanent retention use a schedule with action=retain",
                    extra={"field": name},
                )
        retain_until = period_add_or_none(
            now,
            years=period_years or 0,
            months=period_months or 0,
            days=period_days or 0,
        )
        if retain_until is None:
            raise ApplicationError("The period ends past year 9999", extra={"field": "period"})
    if retain_until <= now:
        raise ApplicationError(
            "retain_until must be in the future", extra={"field": "retain_until"}
        )
    if retain_until.year > now.year + MAX_RETENTION_YEARS:
        raise ApplicationError(
            f"retain_until is more than {MAX_RETENTION_YEARS} years away; "
            "for permanent retention use a schedule with action=retain",
            extra={"field": "retain_until"},
        )
    return retain_until


@transaction.atomic
def record_review_decide(
    *,
    record: Record,
    decision: str,
    decided_by: User,
    reason: str,
    retain_until: datetime | None = None,
    period_days: int | None = None,
    period_months: int | None = None,
    period_years: int | None = None,
    now: datetime | None = None,
) -> Record:
    """A records manager's decision on a record due for review: `retain` or `destroy`."""
    reason = (reason or "").strip()
    if decision not in REVIEW_DECISIONS:
        raise ApplicationError(
            f"decision must be one of {', '.join(REVIEW_DECISIONS)}", extra={"field": "decision"}
        )
    if not reason:
        raise ApplicationError("A review decision needs a reason", extra={"field": "reason"})
    moment = now or timezone.now()
    record = (
        Record.objects.select_for_update(of=("self",)).select_related("schedule").get(pk=record.pk)
    )
    action = record.schedule.action if record.schedule else None
    if not record.is_live or not review_is_due(
        action, record.disposition_due, record.review_decision, moment
    ):
        raise ConflictError(
            f"Record {record.pk} is not due for review",
            extra={
                "record": record.pk,
                "status": record.status,
                "action": action,
                "disposition_due": record.disposition_due,
            },
        )
    due_before = record.disposition_due
    data = {"decision": decision, "reason": reason, "disposition_due_before": due_before}
    if decision == "retain":
        until = review_retain_until(
            now=moment,
            retain_until=retain_until,
            period_days=period_days,
            period_months=period_months,
            period_years=period_years,
        )
        record.retained_until = until
        record.review_decision = ""
        data["retain_until"] = until
    else:
        record.review_decision = REVIEW_DECISION_DESTROY
    history_note(record, user=decided_by, reason=f"review: {decision}: {reason}")
    record.save(update_fields=["retained_until", "review_decision"])
    if decision == "retain":
        records_retention_recompute(
            record_ids=[record.pk],
            now=moment,
            reason=f"review: retained until {record.retained_until:%Y-%m-%d}",
            changed_by=decided_by,
        )
    record.refresh_from_db()
    data["disposition_due_after"] = record.disposition_due
    audit_event_record(actor=decided_by, action="record.review_decided", target=record, data=data)
    return record
