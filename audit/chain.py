"""How an audit event is sealed (R-AUD-1, issue #13).

Each event's `hash` is HMAC-SHA256, under the secret AUDIT_CHAIN_KEY, of the previous event's
hash and the canonical JSON of every field of the event (sequence, time, actor id and name,
action, target, data, key id). The key lives in the environment, never in the database: someone
who can write to the database but does not hold the key cannot forge a hash, so an edit, even
with every later hash recomputed, fails verification.

Rotation: each event stores the *id* of its key (a fingerprint, not the key). A new
AUDIT_CHAIN_KEY starts a new segment of the same chain (its first event's previous_hash is the
last hash of the old segment); the old key stays in AUDIT_CHAIN_PREVIOUS_KEYS for as long as
events sealed with it must verify.

The functions below take plain values or any model class with AuditEvent's fields, so the data
migration that re-seals events of the old, unkeyed scheme uses exactly this code.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

from core.batching import chunks_read, rows_after

logger = logging.getLogger("audit.chain")

GENESIS_HASH = "0" * 64
KEY_ID_LENGTH = 16
REKEY_CHUNK_SIZE = 5000


def key_id_for(key: str) -> str:
    """A public fingerprint of a key: names it without revealing it."""
    digest = hmac.new(key.encode(), b"chatrecords.audit.key-id", hashlib.sha256).hexdigest()
    return digest[:KEY_ID_LENGTH]


def chain_keys() -> dict[str, str]:
    """{key id: key} of the current key and every previous one still configured."""
    current: str = settings.AUDIT_CHAIN_KEY
    if not current:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY is empty: the audit chain cannot be sealed")
    keys = {key_id_for(key): key for key in settings.AUDIT_CHAIN_PREVIOUS_KEYS if key}
    keys[key_id_for(current)] = current
    return keys


def current_key() -> tuple[str, str]:
    key: str = settings.AUDIT_CHAIN_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY is empty: the audit chain cannot be sealed")
    return key_id_for(key), key


def audit_event_sealed_fields(event: Any) -> dict[str, Any]:
    """Every field of an event that its seal covers, by the names the canonical JSON uses (also
    the names of an evidence package's events, which verify offline from exactly these)."""
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_pk": event.actor_pk,
        "actor": event.actor_username,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "key_id": event.key_id,
    }


def audit_event_canonical(event: Any) -> str:
    """The canonical JSON of every field of an event except its own hash and previous hash
    (the previous hash is sealed as the prefix)."""
    payload = audit_event_sealed_fields(event)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def audit_event_seal(event: Any, *, key: str) -> str:
    message = (event.previous_hash + audit_event_canonical(event)).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def legacy_event_hash(event: Any) -> str:
    """The scheme before issue #13: plain SHA-256, actor id and key id not covered."""
    payload = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_username,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((event.previous_hash + canonical).encode()).hexdigest()


def _chunks(event_model: Any) -> Iterator[Sequence[Any]]:
    """Every event in sequence order, a chunk at a time (keyset pagination)."""
    yield from chunks_read(
        claim=lambda after: rows_after(
            event_model.objects.all(), after, REKEY_CHUNK_SIZE, key="sequence"
        ),
        chunk_size=REKEY_CHUNK_SIZE,
    )


def legacy_chain_rekey(event_model: Any, head_model: Any) -> int:
    """Re-seals every event of the old, unkeyed scheme under the current AUDIT_CHAIN_KEY.

    Refuses (raises, nothing changed) unless the old chain verifies first: re-keying a chain that
    was already altered would launder the alteration. Logs the old and the new head at WARNING,
    so that the last unkeyed head is on record outside the database. Returns events re-sealed.
    Runs inside the migration's transaction: all events or none.
    """
    key_id, key = current_key()
    previous, sequence = GENESIS_HASH, 0
    for chunk in _chunks(event_model):
        for event in chunk:
            sequence += 1
            if (
                event.sequence != sequence
                or event.previous_hash != previous
                or legacy_event_hash(event) != event.hash
            ):
                raise RuntimeError(
                    f"audit event #{sequence} (id {event.pk}) does not verify under the old "
                    "scheme: refusing to re-key an altered audit chain (see docs: audit chain)"
                )
            previous = event.hash
    old_head = head_model.objects.filter(singleton=True).first()
    if old_head is not None and (old_head.sequence, old_head.hash) != (
        sequence,
        previous if sequence else "",
    ):
        raise RuntimeError(
            f"the audit chain ends at #{sequence} but its head records #{old_head.sequence}: "
            "refusing to re-key a truncated audit chain"
        )
    legacy_head, new_previous = previous, GENESIS_HASH
    for chunk in _chunks(event_model):
        for event in chunk:
            event.actor_pk = event.actor_id
            event.key_id = key_id
            event.previous_hash = new_previous
            event.hash = audit_event_seal(event, key=key)
            new_previous = event.hash
        # New seals are HMACs, old ones plain SHA-256: they do not collide on the unique column.
        event_model.objects.bulk_update(chunk, ["actor_pk", "key_id", "previous_hash", "hash"])
    if not sequence:
        return 0  # a new installation: nothing was sealed the old way
    head_model.objects.update_or_create(
        singleton=True, defaults={"sequence": sequence, "hash": new_previous}
    )
    logger.warning(
        "audit.rekeyed events=%d key_id=%s legacy_head=%s new_head=%s",
        sequence,
        key_id,
        legacy_head,
        new_previous,
    )
    return sequence
