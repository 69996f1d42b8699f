"""The hash-chained audit log (R-AUD-1).

Invariants: events are appended only, in `sequence` order with no gaps; each event's hash is the
SHA-256 of the previous hash and the event's canonical JSON; AuditChainHead names the newest
event. Appends lock the head row, so concurrent writers take turns and the chain never forks.
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.models import AuditChainHead, AuditEvent
from core.clock import clock_as_of

GENESIS_HASH = "0" * 64


def _canonical(event: AuditEvent) -> str:
    payload = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_username,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def audit_event_hash(event: AuditEvent) -> str:
    return hashlib.sha256((event.previous_hash + _canonical(event)).encode()).hexdigest()


def _target_parts(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


@transaction.atomic
def audit_event_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    as_of: datetime | None = None,
) -> AuditEvent:
    """Appends one event to the chain. `data` must never hold personal values or original text.

    `as_of`: the moment a job was evaluated at; recorded in `data["as_of"]` beside the real
    `occurred_at` when it differs from the real clock (core.clock.clock_as_of)."""
    if target is not None:
        target_type, target_id = _target_parts(target)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(singleton=True)
    user = actor if actor is not None and actor.is_authenticated else None
    payload = dict(data or {})
    evaluated_at = clock_as_of(as_of)
    if evaluated_at is not None:
        payload["as_of"] = evaluated_at
    # JSON round trip: what we hash is exactly what the JSONField gives back when verifying.
    clean_data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=(occurred_at or timezone.now()).replace(microsecond=0),
        actor=user,  # type: ignore[misc]  # any auth user model instance
        actor_username=user.get_username() if user is not None else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=clean_data,
        previous_hash=head.hash or GENESIS_HASH,
    )
    event.hash = audit_event_hash(event)
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


VERIFY_CHUNK_SIZE = 5000


def audit_chain_verify() -> tuple[bool, str]:
    """Walks the chain in order. Returns (ok, message naming the first broken event)."""
    expected_sequence, previous_hash = 1, GENESIS_HASH
    last_seen = 0
    while True:
        # Keyset pagination: the chain can hold millions of events.
        chunk = list(
            AuditEvent.objects.filter(sequence__gt=last_seen).order_by("sequence")[
                :VERIFY_CHUNK_SIZE
            ]
        )
        for event in chunk:
            if event.sequence != expected_sequence:
                return False, (
                    f"audit event #{expected_sequence} is missing "
                    f"(next present is #{event.sequence}, id {event.pk})"
                )
            if event.previous_hash != previous_hash:
                return False, f"audit event #{event.sequence} does not follow #{last_seen}"
            if audit_event_hash(event) != event.hash:
                return False, f"audit event #{event.sequence} (id {event.pk}) was altered"
            previous_hash, last_seen = event.hash, event.sequence
            expected_sequence += 1
        if len(chunk) < VERIFY_CHUNK_SIZE:
            break
    head = AuditChainHead.objects.filter(singleton=True).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, "")
    if head_sequence != last_seen or (last_seen and head_hash != previous_hash):
        return False, (
            f"audit chain ends at #{last_seen} but its head records #{head_sequence}: "
            f"event #{last_seen + 1} onwards was removed"
        )
    return True, f"audit chain intact: {last_seen} events verified"
