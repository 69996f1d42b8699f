"""Erasure (R-DSR-1). PIPEDA s. 4.5 / CCPA §1798.105(d) both let an organisation keep what
the law or a legal proceeding requires it to keep. Every chat is answered `erased` or `kept`
with a reason. For each of the person's own chats (confirmed matches):
- held by a legal hold or by another open data-subject request → kept (reason and hold ids);
- excluded from disposal by a manager (review date not reached) → kept, `excluded_from_disposal`;
- blocked (country unknown, a pending QA review) → kept, with the block's reason;
  (those three: retention.rules.record_destruction_refusal, the rule disposal and destruction
  follow too)
- a record (not transitory) still inside its retention period → kept: a retention obligation,
  until its disposition date, with the schedule's citation;
- a record whose retention cannot be determined (country unknown, no schedule, trigger event
  not yet happened) → kept (fail closed) until that is resolved;
- transitory chats (record class not a record) and records past their disposition date →
  erased through retention.services.disposal.certificates.records_destroy_certified: the
  disposal path (tombstone, content hash, customer identity and history rows removed, holds
  re-checked under lock) inside a completed disposal batch with its chained certificate;
- chats without a record yet (still open or undeclared) → kept and listed: the destruction path
  works on records; erase again once declared;
- chats that only mention the person (another customer's chat) or candidates not confirmed by a
  manager → kept (`mentioned_only`, `not_confirmed`), not touched.
The request being answered does not hold its own chats: its id travels down the destruction
path as `HoldQuery.exempt_subject_request_ids` (other requests and legal holds still hold).
The whole erasure is one transaction: it happens entirely or not at all.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError
from core.history import history_note
from privacy.models import DataSubjectMatch, DataSubjectRequest, RequestKind
from privacy.selectors import subject_request_matches, subject_requests_holding
from privacy.services.requests import (
    subject_request_chats_search,
    subject_request_locked_open,
    subject_request_mark_in_progress,
)
from records.models import RecordStatus
from retention.hooks import HoldQuery
from retention.rules import (
    REFUSAL_LEGAL_HOLD,
    REFUSAL_NOT_LIVE,
    Refusal,
    record_destruction_refusal,
)
from retention.selectors import records_destruction_facts
from retention.services.disposal.certificates import records_destroy_certified


class Outcome:
    ERASED = "erased"
    KEPT = "kept"


def _item(
    match: DataSubjectMatch, outcome: str, reason: str, detail: str, **extra: Any
) -> dict[str, Any]:
    record = getattr(match.chat, "record", None)
    return {
        "chat": match.chat_id,
        "chat_external_id": match.chat.external_id,
        "record": record.pk if record is not None else None,
        "outcome": outcome,
        "reason": reason,
        "detail": detail,
        **extra,
    }


def _decide(
    match: DataSubjectMatch,
    *,
    refusals: dict[int, Refusal | None],
    other_requests: dict[int, list[int]],
    now: datetime,
) -> dict[str, Any] | None:
    """The reason to keep this chat, or None when it may be erased. `refusals`: what the
    destruction rule says of each record (retention.rules.record_destruction_refusal)."""
    if not match.is_identity:
        return _item(
            match,
            Outcome.KEPT,
            "mentioned_only",
            "the person is only mentioned in another customer's chat",
        )
    if not match.confirmed:
        return _item(
            match,
            Outcome.KEPT,
            "not_confirmed",
            "a candidate only (identifiers conflict, or a phone or a name alone agrees); "
            "a records manager has not confirmed it is the person's chat",
            match_basis=match.match_basis,
            conflicts=match.conflicts,
        )
    record = getattr(match.chat, "record", None)
    if record is None:
        return _item(
            match,
            Outcome.KEPT,
            "not_declared",
            "no record yet (chat open or not declared); erase again once it is declared",
        )
    refusal = refusals.get(record.pk)
    if refusal is not None and refusal.reason == REFUSAL_NOT_LIVE:
        return _item(match, Outcome.KEPT, "already_disposed", f"record already {record.status}")
    if refusal is not None and refusal.reason == REFUSAL_LEGAL_HOLD:
        return _item(match, Outcome.KEPT, **refusal.as_dict())
    if match.chat_id in other_requests:
        return _item(
            match,
            Outcome.KEPT,
            "data_subject_request",
            "held by another open data-subject request",
            requests=other_requests[match.chat_id],
        )
    if refusal is not None:
        return _item(match, Outcome.KEPT, **refusal.as_dict())
    if not record.record_class.is_record:
        return None  # transitory: not a record, nothing obliges us to keep it
    if record.status == RecordStatus.FLAGGED or record.disposition_due is None:
        return _item(
            match,
            Outcome.KEPT,
            "retention_undetermined",
            f"retention cannot be determined yet ({record.flag_reason or 'no schedule'}); "
            "kept until it is",
        )
    if record.disposition_due > now:
        schedule = record.schedule
        return _item(
            match,
            Outcome.KEPT,
            "retention_obligation",
            f"{record.record_class.code} must be kept until {record.disposition_due:%Y-%m-%d}"
            + (f" ({schedule.citation})" if schedule is not None and schedule.citation else ""),
            until=record.disposition_due.isoformat(),
        )
    return None


@transaction.atomic
def subject_request_erase(
    *, request: DataSubjectRequest, erased_by: User, now: datetime | None = None
) -> dict[str, Any]:
    """Erases the person's confirmed chats that nothing protects (see the module docstring) and
    stores, per chat, `erased` (with its certificate) or `kept` and why."""
    request = subject_request_locked_open(request)
    if request.kind != RequestKind.ERASURE:
        raise ApplicationError(
            f"A {request.kind} request does not erase", extra={"request": request.pk}
        )
    moment = now or timezone.now()
    subject_request_chats_search(request, by=erased_by, now=moment)
    matches = list(subject_request_matches(request).select_related("chat__record__schedule"))
    record_ids = [m.chat.record.pk for m in matches if getattr(m.chat, "record", None) is not None]
    # The request being answered does not hold its own chats (other requests still do).
    hold = HoldQuery(exempt_subject_request_ids=frozenset({request.pk}))
    facts = records_destruction_facts(record_ids, hold=hold)
    refusals = {
        record_id: record_destruction_refusal(fact, now=moment) for record_id, fact in facts.items()
    }
    other_requests = subject_requests_holding([m.chat_id for m in matches], exclude=[request.pk])
    items: list[dict[str, Any]] = []
    erasable: dict[int, DataSubjectMatch] = {}
    for match in matches:
        kept = _decide(match, refusals=refusals, other_requests=other_requests, now=moment)
        if kept is None:
            erasable[match.chat.record.pk] = match
        else:
            items.append(kept)
    # The disposal path: tombstones, a completed batch and its certificate; holds re-checked
    # under lock.
    destroyed = records_destroy_certified(
        record_ids=list(erasable),
        now=moment,
        reason=f"erasure request {request.pk}",
        actor=erased_by,
        hold=hold,
    )
    for record_id in destroyed.destroyed:
        match = erasable[record_id]
        why = (
            "transitory chat (not a record)"
            if not match.chat.record.record_class.is_record
            else "retention period over"
        )
        items.append(
            _item(
                match,
                Outcome.ERASED,
                "erasable",
                why,
                certificate=destroyed.certificates.get(record_id),
            )
        )
    for record_id in [*destroyed.held, *destroyed.not_live]:
        items.append(_item(erasable[record_id], Outcome.KEPT, "held", "held when the erasure ran"))
    items.sort(key=lambda item: item["chat"])
    counts: dict[str, int] = {}
    for item in items:
        counts[item["outcome"]] = counts.get(item["outcome"], 0) + 1
    result = {"erased_at": moment.isoformat(), "counts": counts, "items": items}
    request.result = result
    history_note(request, user=erased_by, reason="erasure run")
    request.save(update_fields=["result"])
    subject_request_mark_in_progress(request, by=erased_by, reason="erasure run")
    audit_event_record(
        actor=erased_by,
        action="dsr.erased",
        target=request,
        data={
            "request": request.pk,
            "counts": counts,
            "certificates": sorted(set(destroyed.certificates.values())),
        },
    )
    return result
