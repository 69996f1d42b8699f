"""The keyed, hash-chained audit log (R-AUD-1, issue #13).

Invariants: events are appended only, in `sequence` order with no gaps; each event's hash is the
HMAC under AUDIT_CHAIN_KEY (audit/chain.py) of the previous hash and every field of the event;
AuditChainHead names the newest event. Appends lock the head row, so concurrent writers take
turns and the chain never forks. The head is also anchored outside the database
(`audit_chain_anchor`: a JSON line in AUDIT_ANCHOR_FILE and an `audit.anchor` log line), so
that deleting the newest events and rewinding the head is caught by verifying with the anchors.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, audit_event_seal, chain_keys, current_key
from audit.models import AuditChainHead, AuditEvent
from core.batching import chunks_read, rows_after
from core.clock import clock_as_of
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


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
    key_id, key = current_key()
    # JSON round trip: what we hash is exactly what the JSONField gives back when verifying.
    clean_data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=(occurred_at or timezone.now()).replace(microsecond=0),
        actor=user,  # type: ignore[misc]  # any auth user model instance
        actor_pk=user.pk if user is not None else None,
        actor_username=user.get_username() if user is not None else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=clean_data,
        previous_hash=head.hash or GENESIS_HASH,
        key_id=key_id,
    )
    event.hash = audit_event_seal(event, key=key)
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


VERIFY_CHUNK_SIZE = 5000


@dataclass(frozen=True)
class AuditAnchor:
    """One anchored head: the event's id, sequence and hash, and when it was anchored."""

    event_id: int
    sequence: int | None
    hash: str
    at: str


def _walk_problem() -> tuple[str | None, int]:
    """Walks the chain in order. Returns (the first problem or None, events verified)."""
    keys = chain_keys()
    expected_sequence, previous_hash = 1, GENESIS_HASH
    last_seen = 0
    # Keyset pagination: the chain can hold millions of events.
    chunks = chunks_read(
        claim=lambda after: rows_after(
            AuditEvent.objects.all(), after, VERIFY_CHUNK_SIZE, key="sequence"
        ),
        chunk_size=VERIFY_CHUNK_SIZE,
    )
    for event in (event for chunk in chunks for event in chunk):
        if event.sequence != expected_sequence:
            return (
                f"audit event #{expected_sequence} is missing "
                f"(next present is #{event.sequence}, id {event.pk})"
            ), last_seen
        if event.previous_hash != previous_hash:
            return f"audit event #{event.sequence} does not follow #{last_seen}", last_seen
        key = keys.get(event.key_id)
        if key is None:
            return (
                f"audit event #{event.sequence} (id {event.pk}) is sealed with key id "
                f"{event.key_id!r}, which neither AUDIT_CHAIN_KEY nor "
                "AUDIT_CHAIN_PREVIOUS_KEYS holds"
            ), last_seen
        if audit_event_seal(event, key=key) != event.hash:
            return f"audit event #{event.sequence} (id {event.pk}) was altered", last_seen
        if event.actor_id is not None and event.actor_id != event.actor_pk:
            return (
                f"audit event #{event.sequence} (id {event.pk}) was altered: its actor "
                f"is user {event.actor_id} but it was sealed for user {event.actor_pk}"
            ), last_seen
        previous_hash, last_seen = event.hash, event.sequence
        expected_sequence += 1
    head = AuditChainHead.objects.filter(singleton=True).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, "")
    if head_sequence != last_seen or (last_seen and head_hash != previous_hash):
        return (
            f"audit chain ends at #{last_seen} but its head records #{head_sequence}: "
            f"event #{last_seen + 1} onwards was removed"
        ), last_seen
    return None, last_seen


def _anchor_problems(anchors: list[AuditAnchor]) -> list[str]:
    problems = []
    stored = dict(
        AuditEvent.objects.filter(pk__in={a.event_id for a in anchors}).values_list("pk", "hash")
    )
    for anchor in anchors:
        name = f"#{anchor.sequence}" if anchor.sequence is not None else "event"
        where = f"anchored audit event {name} (id {anchor.event_id}, anchored {anchor.at})"
        if anchor.event_id not in stored:
            problems.append(f"{where} is missing: the chain was truncated or rewritten")
        elif stored[anchor.event_id] != anchor.hash:
            problems.append(f"{where} no longer has its anchored hash: the chain was rewritten")
    return problems


def audit_chain_verify(*, anchors: list[AuditAnchor] | None = None) -> tuple[bool, str]:
    """Recomputes every seal in order and, given anchors, checks that every anchored event is
    still there with its anchored hash (read-only). Returns (ok, message naming the problems)."""
    problem, verified = _walk_problem()
    problems = [problem] if problem else []
    problems += _anchor_problems(anchors or [])
    if problems:
        return False, "; ".join(problems)
    suffix = f" against {len(anchors)} anchors" if anchors else ""
    return True, f"audit chain intact: {verified} events verified{suffix}"


def audit_anchors_read(*, path: Path) -> list[AuditAnchor]:
    """The anchors of an anchor file (JSON Lines). A missing or malformed file is an error."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise ApplicationError(
            f"cannot read the audit anchor file {path}: {error.strerror or error}",
            extra={"anchor": str(path)},
        ) from error
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            anchors.append(
                AuditAnchor(
                    event_id=int(row["event_id"]),
                    sequence=int(row["sequence"]) if row.get("sequence") is not None else None,
                    hash=str(row["hash"]),
                    at=str(row.get("at", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ApplicationError(
                f"audit anchor file {path}, line {number}: not an anchor ({error})",
                extra={"anchor": str(path), "line": number},
            ) from error
    return anchors


def audit_anchors_configured() -> list[AuditAnchor]:
    """The anchors of AUDIT_ANCHOR_FILE, or none while that file does not exist yet."""
    path = Path(settings.AUDIT_ANCHOR_FILE)
    return audit_anchors_read(path=path) if path.exists() else []


def audit_chain_anchor(*, now: datetime) -> dict[str, Any] | None:
    """Writes the head outside the database: one JSON line appended to AUDIT_ANCHOR_FILE and an
    `audit.anchor …` line in the log (ship it to a log store the database's writers cannot
    edit). None while the chain is empty."""
    head = AuditChainHead.objects.filter(singleton=True).first()
    if head is None or head.sequence == 0:
        logger.info("audit.anchor skipped: the audit chain is empty")
        return None
    event = AuditEvent.objects.only("pk", "sequence", "hash").get(sequence=head.sequence)
    anchor = {
        "event_id": event.pk,
        "sequence": event.sequence,
        "hash": event.hash,
        "at": now.isoformat(),
    }
    line = json.dumps(anchor, sort_keys=True, cls=DjangoJSONEncoder)
    path = Path(settings.AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as anchor_file:
        anchor_file.write(line + "\n")
    logger.info("audit.anchor %s", line)
    return anchor


def audit_chain_verify_configured() -> tuple[bool, str]:
    """audit_chain_verify against AUDIT_ANCHOR_FILE; an unreadable anchor file is a failure."""
    try:
        anchors = audit_anchors_configured()
    except ApplicationError as error:
        return False, error.message
    return audit_chain_verify(anchors=anchors)
