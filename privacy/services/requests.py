"""Answering data-subject requests (R-DSR-1) and holding the person's chats meanwhile (R-HOLD-2):
intake, search, confirmation of matches, closing.

Deadlines: PIPEDA (CA) 30 days, CCPA (US) 45 days after receipt. A request for another
jurisdiction is refused at intake rather than given an invented deadline.

Matching (privacy.identity): each match records the identifiers that agree (`match_basis`) and
those present on both sides that disagree (`conflicts`). Only a match without conflicts that rests
on the customer id or the email (or on both phone and name) is confirmed by itself; any other is
a candidate until a records manager confirms that chat by id — never exported or erased before.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from outbox.services import webhook_event_emit
from privacy.identity import confirmed_without_manager, phone_normalise
from privacy.models import (
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
    RequestKind,
    RequestStatus,
)
from privacy.selectors import subject_chats_find


@dataclass(frozen=True)
class Law:
    name: str
    days: int


LAWS = {"CA": Law("PIPEDA", 30), "US": Law("CCPA", 45)}


def _law_for(jurisdiction: str) -> Law:
    law = LAWS.get(jurisdiction)
    if law is None:
        raise ApplicationError(
            f"No deadline rule for jurisdiction {jurisdiction or '(none)'}",
            extra={"field": "jurisdiction", "supported": sorted(LAWS)},
        )
    return law


def subject_request_locked_open(request: DataSubjectRequest) -> DataSubjectRequest:
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise ConflictError(
            f"Request {request.pk} is {request.status}", extra={"request": request.pk}
        )
    return request


def subject_request_mark_in_progress(
    request: DataSubjectRequest, *, by: User | None, reason: str
) -> None:
    fields = []
    if request.status == RequestStatus.OPEN:
        request.status = RequestStatus.IN_PROGRESS
        fields.append("status")
    if request.handled_by_id is None and by is not None:
        request.handled_by = by
        fields.append("handled_by")
    if fields:
        history_note(request, user=by, reason=reason)
        request.save(update_fields=fields)


@transaction.atomic
def subject_request_create(
    *,
    kind: str,
    jurisdiction: str,
    email: str = "",
    phone: str = "",
    name: str = "",
    customer_id: str = "",
    reference: str = "",
    received_at: datetime | None = None,
    created_by: User | None,
    now: datetime | None = None,
) -> DataSubjectRequest:
    """Records a request, sets its deadline and searches at once: the hold starts now."""
    moment = now or timezone.now()
    email, phone, name = email.strip().lower(), phone.strip(), " ".join(name.split())
    customer_id = customer_id.strip()
    if kind not in RequestKind.values:
        raise ApplicationError("Unknown request kind", extra={"field": "kind"})
    if not (email or phone or name or customer_id):
        raise ApplicationError(
            "Give at least one identifier: email, phone, name or customer_id",
            extra={"field": "email"},
        )
    phone_e164 = phone_normalise(phone) if phone else ""
    if phone and not phone_e164:
        raise ApplicationError("That phone number is not valid", extra={"field": "phone"})
    jurisdiction = jurisdiction.strip().upper()
    law = _law_for(jurisdiction)
    received = received_at or moment
    request = DataSubjectRequest(
        kind=kind,
        jurisdiction=jurisdiction,
        law=law.name,
        received_at=received,
        due_at=received + timedelta(days=law.days),
        email=email,
        phone=phone,
        phone_e164=phone_e164,
        name=name,
        customer_external_id=customer_id,
        reference=reference.strip(),
        created_by=created_by,
    )
    request.full_clean()
    history_note(request, user=created_by)
    request.save()
    audit_event_record(
        actor=created_by,
        action="dsr.received",
        target=request,
        data={"request": request.pk, "kind": kind, "law": law.name, "due_at": request.due_at},
    )
    subject_request_chats_search(request, by=created_by, now=moment)
    return request


def subject_request_chats_search(
    request: DataSubjectRequest, *, by: User | None, now: datetime
) -> dict[str, int]:
    """Adds the chats found now; a match is confirmed without a manager only when nothing
    conflicts and it rests on more than a phone or a name alone (privacy.identity). A new
    conflict takes back an automatic confirmation, never a manager's."""
    found = subject_chats_find(
        email=request.email,
        phone_e164=request.phone_e164,
        name=request.name,
        customer_id=request.customer_external_id,
    )
    existing = {m.chat_id: m for m in DataSubjectMatch.objects.filter(request=request)}
    new, changed = [], []
    for chat_id, why in found.items():
        match = existing.get(chat_id)
        if match is None:
            new.append(
                DataSubjectMatch(
                    request=request,
                    chat_id=chat_id,
                    bases=sorted(why.bases),
                    conflicts=sorted(why.conflicts),
                    confirmed=confirmed_without_manager(set(why.bases), set(why.conflicts)),
                    found_at=now,
                )
            )
            continue
        # Matches only grow while the request is open: the hold never silently shrinks.
        bases = set(why.bases) | set(match.bases)
        conflicts = set(why.conflicts) | set(match.conflicts)
        confirmed = match.confirmed_by_id is not None or confirmed_without_manager(bases, conflicts)
        if (bases, conflicts, confirmed) != (
            set(match.bases),
            set(match.conflicts),
            match.confirmed,
        ):
            match.bases, match.conflicts = sorted(bases), sorted(conflicts)
            match.confirmed = confirmed
            changed.append(match)
    DataSubjectMatch.objects.bulk_create(new)
    DataSubjectMatch.objects.bulk_update(changed, ["bases", "conflicts", "confirmed"])
    request.searched_at = now
    request.save(update_fields=["searched_at"])
    counts = {
        "request": request.pk,
        "matches": len(existing) + len(new),
        "new": len(new),
        "identity": sum(1 for why in found.values() if why.bases - {MatchBasis.MENTION}),
        "mentions": sum(1 for why in found.values() if why.bases == {MatchBasis.MENTION}),
        "with_conflicts": sum(1 for why in found.values() if why.conflicts),
    }
    audit_event_record(actor=by, action="dsr.searched", target=request, data=counts)
    return counts


@transaction.atomic
def subject_request_search(
    *, request: DataSubjectRequest, searched_by: User, now: datetime | None = None
) -> dict[str, int]:
    """Searches again (chats imported since are added; nothing found before is dropped)."""
    request = subject_request_locked_open(request)
    subject_request_mark_in_progress(request, by=searched_by, reason="searched")
    return subject_request_chats_search(request, by=searched_by, now=now or timezone.now())


@transaction.atomic
def subject_request_matches_confirm(
    *, request: DataSubjectRequest, match_ids: list[int], confirmed_by: User
) -> int:
    """A manager confirms name-only matches as the person's own chats. Chats that only mention
    the person cannot be confirmed: they belong to another customer."""
    request = subject_request_locked_open(request)
    matches = list(DataSubjectMatch.objects.filter(request=request, pk__in=match_ids))
    if len(matches) != len(set(match_ids)):
        raise ApplicationError("Unknown match for this request", extra={"field": "matches"})
    if any(not match.is_identity for match in matches):
        raise ApplicationError(
            "A chat that only mentions the person is another customer's chat",
            extra={"field": "matches"},
        )
    todo = [match.pk for match in matches if match.confirmed_by_id is None]
    DataSubjectMatch.objects.filter(pk__in=todo).update(
        confirmed=True, confirmed_by=confirmed_by, confirmed_at=timezone.now()
    )
    subject_request_mark_in_progress(request, by=confirmed_by, reason="matches confirmed")
    audit_event_record(
        actor=confirmed_by,
        action="dsr.matches_confirmed",
        target=request,
        data={"request": request.pk, "matches": sorted(todo)},
    )
    return len(todo)


@transaction.atomic
def subject_request_match_confirm(
    *,
    request: DataSubjectRequest,
    confirmed_by: User,
    chat_id: int | None = None,
    chat_external_id: str = "",
) -> DataSubjectMatch:
    """A manager confirms one chat, named by id (or by its external id), as the person's own —
    the only way a match with a conflict, or on a phone or a name alone, is ever acted on."""
    request = subject_request_locked_open(request)
    matches = DataSubjectMatch.objects.filter(request=request).select_related("chat")
    if chat_id is not None:
        candidates = list(matches.filter(chat_id=chat_id))
    elif chat_external_id.strip():
        candidates = list(matches.filter(chat__external_id=chat_external_id.strip()))
    else:
        raise ApplicationError("Name the chat: chat or chat_external_id", extra={"field": "chat"})
    if not candidates:
        raise ApplicationError(
            "That chat is not a match of this request", extra={"field": "chat", "chat": chat_id}
        )
    if len(candidates) > 1:
        raise ApplicationError(
            "That external id names several chats: confirm by chat id",
            extra={"field": "chat_external_id", "chats": [m.chat_id for m in candidates]},
        )
    (match,) = candidates
    if not match.is_identity:
        raise ApplicationError(
            "A chat that only mentions the person is another customer's chat",
            extra={"field": "chat", "chat": match.chat_id},
        )
    if match.confirmed_by_id is None:
        match.confirmed, match.confirmed_by, match.confirmed_at = True, confirmed_by, timezone.now()
        match.save(update_fields=["confirmed", "confirmed_by", "confirmed_at"])
        subject_request_mark_in_progress(request, by=confirmed_by, reason="match confirmed")
        audit_event_record(
            actor=confirmed_by,
            action="dsr.match_confirmed",
            target=request,
            data={
                "request": request.pk,
                "chat": match.chat_id,
                "match_basis": match.match_basis,
                "conflicts": match.conflicts,
            },
        )
    return match


# --- closing --------------------------------------------------------------------------------


def _dsr_completed_emit(request: DataSubjectRequest) -> None:
    """Outbound webhook `dsr.completed` (R-API-3): queued in the closing transaction, sent by
    the integrations app after commit. Ids and metadata only, never the person's identifiers."""
    webhook_event_emit(
        event="dsr.completed",
        payload={
            "request": request.pk,
            "kind": request.kind,
            "law": request.law,
            "closed_at": request.closed_at,
        },
    )


@transaction.atomic
def subject_request_close(
    *,
    request: DataSubjectRequest,
    closed_by: User,
    status: str,
    outcome: str,
    now: datetime | None = None,
) -> DataSubjectRequest:
    """Completes or rejects a request; its hold ends with it."""
    if status not in (RequestStatus.COMPLETED, RequestStatus.REJECTED):
        raise ApplicationError("status must be completed or rejected", extra={"field": "status"})
    if not outcome.strip():
        raise ApplicationError("Say what was done (no personal data)", extra={"field": "outcome"})
    request = subject_request_locked_open(request)
    moment = now or timezone.now()
    request.status, request.closed_at, request.outcome = status, moment, outcome.strip()
    request.handled_by = request.handled_by or closed_by
    history_note(request, user=closed_by, reason=status)
    request.save(update_fields=["status", "closed_at", "outcome", "handled_by"])
    audit_event_record(
        actor=closed_by,
        action=f"dsr.{status}",
        target=request,
        data={
            "request": request.pk,
            "late": moment > request.due_at,
        },
    )
    if status == RequestStatus.COMPLETED:
        _dsr_completed_emit(request)
    return request
