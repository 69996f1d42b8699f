"""Customer trigger events (`account_closed`, …): recording, withdrawing (SPEC §4.1).

Invariants:
- An event is accepted only when its name is the trigger of some retention schedule, it is not
  later than the real clock, and it is not earlier than the customer's first chat: a record
  never becomes due before it existed, and a misspelt name never triggers anything.
- At most one event of a name is in force per customer (a conditional unique constraint);
  recording the same event again (same moment) changes nothing, another moment is refused until
  the first is withdrawn. An event is never edited: a correction is a withdrawal with a reason
  and a new event. Withdrawn events no longer count (records.recompute._events_for).
- Each change recomputes every record of the customer in the same transaction, and is audited.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat, Customer
from core.exceptions import ApplicationError, ConflictError, NotFoundError
from records.models import TRIGGER_CHAT_ENDED, CustomerEvent, Record, RetentionSchedule
from records.recompute import records_retention_recompute


def customer_event_names() -> list[str]:
    """The names a customer event may have: the triggers of the retention schedules."""
    return sorted(
        set(
            RetentionSchedule.objects.exclude(trigger=TRIGGER_CHAT_ENDED).values_list(
                "trigger", flat=True
            )
        )
    )


def _customer_recompute(
    *, customer_id: int, now: datetime, reason: str, changed_by: User | None
) -> int:
    record_ids = list(
        Record.objects.filter(chat__customer_id=customer_id).values_list("pk", flat=True)
    )
    if record_ids:
        records_retention_recompute(
            record_ids=record_ids, now=now, reason=reason, changed_by=changed_by
        )
    return len(record_ids)


def _event_clean(*, customer_id: int, name: str, occurred_at: datetime, reason: str) -> None:
    if not reason.strip():
        raise ApplicationError("A trigger event needs a reason", extra={"field": "reason"})
    names = customer_event_names()
    if name not in names:
        raise ApplicationError(
            f"{name!r} is not the trigger of any retention schedule",
            extra={"field": "event", "event": name, "known": names},
        )
    if occurred_at > timezone.now():
        raise ApplicationError(
            "occurred_at is in the future: an event is recorded once it has happened",
            extra={"field": "occurred_at", "occurred_at": occurred_at.isoformat()},
        )
    first_chat = Chat.objects.filter(customer_id=customer_id).aggregate(first=Min("started_at"))
    first: datetime | None = first_chat["first"]
    if first is None:
        raise ApplicationError(
            "This customer has no chat: there is no record for the event to trigger",
            extra={"field": "customer", "customer": customer_id},
        )
    if occurred_at < first:
        raise ApplicationError(
            "occurred_at is before the customer's first chat",
            extra={
                "field": "occurred_at",
                "occurred_at": occurred_at.isoformat(),
                "first_chat_started_at": first.isoformat(),
            },
        )


@transaction.atomic
def customer_event_record(
    *,
    customer_id: int,
    name: str,
    occurred_at: datetime,
    recorded_by: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[CustomerEvent, bool]:
    """Records a trigger event and recomputes the customer's records. Returns (event, created):
    the same event already in force (same moment) is returned unchanged."""
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise NotFoundError(
            "No such customer", extra={"field": "customer", "customer": customer_id}
        )
    existing = CustomerEvent.objects.filter(
        customer_id=customer_id, name=name, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        if existing.occurred_at == occurred_at:
            return existing, False
        raise ConflictError(
            f"This customer already has an {name} event in force; withdraw it to correct it",
            extra={"event": existing.pk, "occurred_at": existing.occurred_at.isoformat()},
        )
    _event_clean(customer_id=customer_id, name=name, occurred_at=occurred_at, reason=reason)
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            event = CustomerEvent.objects.create(
                customer_id=customer_id,
                name=name,
                occurred_at=occurred_at,
                recorded_at=timezone.now(),
                recorded_by=recorded_by,
                reason=reason.strip(),
            )
    except IntegrityError as error:  # a concurrent request recorded it first
        raise ConflictError(
            f"This customer already has an {name} event in force", extra={"event": name}
        ) from error
    records = _customer_recompute(
        customer_id=customer_id,
        now=moment,
        reason=f"event {name} recorded",
        changed_by=recorded_by,
    )
    audit_event_record(
        actor=recorded_by,
        action="customer.event_recorded",
        target=event,
        data={
            "customer": customer_id,
            "event": name,
            "occurred_at": occurred_at,
            "reason": reason.strip(),
            "records": records,
        },
    )
    return event, True


@transaction.atomic
def customer_event_withdraw(
    *,
    event: CustomerEvent,
    withdrawn_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> CustomerEvent:
    """Withdraws a trigger event (it no longer counts) and recomputes the customer's records:
    a proposed disposal whose date moves is withdrawn from its batch (R-RET-3)."""
    if not reason.strip():
        raise ApplicationError("Withdrawing an event needs a reason", extra={"field": "reason"})
    event = CustomerEvent.objects.select_for_update().get(pk=event.pk)
    if event.withdrawn_at is not None:
        raise ConflictError("This event is already withdrawn", extra={"event": event.pk})
    event.withdrawn_at, event.withdrawn_by, event.withdrawal_reason = (
        timezone.now(),
        withdrawn_by,
        reason.strip(),
    )
    event.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    records = _customer_recompute(
        customer_id=event.customer_id,
        now=now or timezone.now(),
        reason=f"event {event.name} withdrawn",
        changed_by=withdrawn_by,
    )
    audit_event_record(
        actor=withdrawn_by,
        action="customer.event_withdrawn",
        target=event,
        data={
            "customer": event.customer_id,
            "event": event.name,
            "occurred_at": event.occurred_at,
            "reason": reason.strip(),
            "records": records,
        },
    )
    return event
