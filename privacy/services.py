"""Answering data-subject requests (R-DSR-1) and holding the person's chats meanwhile (R-HOLD-2).

Deadlines: PIPEDA (CA) 30 days, CCPA (US) 45 days after receipt. A request for another
jurisdiction is refused at intake rather than given an invented deadline.

Matching (privacy.identity): each match records the identifiers that agree (`match_basis`) and
those present on both sides that disagree (`conflicts`). Only a match without conflicts that rests
on the customer id or the email (or on both phone and name) is confirmed by itself; any other is
a candidate until a records manager confirms that chat by id — never exported or erased before.

Erasure rule (PIPEDA s. 4.5 / CCPA §1798.105(d) both let an organisation keep what the law or
a legal proceeding requires it to keep). Every chat is answered `erased` or `kept` with a reason.
For each of the person's own chats (confirmed matches):
- held by a legal hold or by another open data-subject request → kept (reason and hold ids);
- excluded from disposal by a manager (review date not reached) → kept, `excluded_from_disposal`;
- a record (not transitory) still inside its retention period → kept: a retention obligation,
  until its disposition date, with the schedule's citation;
- a record whose retention cannot be determined (country unknown, no schedule, trigger event
  not yet happened) → kept (fail closed) until that is resolved;
- transitory chats (record class not a record) and records past their disposition date →
  erased through retention.services.disposal.records_destroy_certified: the disposal path
  (tombstone, content hash, customer identity and history rows removed, holds re-checked under
  lock) inside a completed disposal batch with its chained certificate;
- chats without a record yet (still open or undeclared) → kept and listed: the destruction path
  works on records; erase again once declared;
- chats that only mention the person (another customer's chat) or candidates not confirmed by a
  manager → kept (`mentioned_only`, `not_confirmed`), not touched.
The whole erasure is one transaction: it happens entirely or not at all.
"""

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from chats.selectors import chats_export
from core.exceptions import ApplicationError, ConflictError
from outbox.services import webhook_event_emit
from privacy.identity import confirmed_without_manager, phone_normalise
from privacy.models import (
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
    RequestKind,
    RequestStatus,
)
from privacy.selectors import (
    subject_chats_find,
    subject_request_hold_lifted,
    subject_request_matches,
    subject_requests_holding,
)
from records.models import RecordStatus
from retention.selectors import record_destruction_blockers
from retention.services.disposal import records_destroy_certified

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Law:
    name: str
    days: int


LAWS = {"CA": Law("PIPEDA", 30), "US": Law("CCPA", 45)}
EXPORT_FORMATS = ("json", "html", "zip")
EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)
INTERCHANGE_FORMAT = "chatrecords-interchange-v1"


class Outcome:
    ERASED = "erased"
    KEPT = "kept"


def _law_for(jurisdiction: str) -> Law:
    law = LAWS.get(jurisdiction)
    if law is None:
        raise ApplicationError(
            f"No deadline rule for jurisdiction {jurisdiction or '(none)'}",
            extra={"field": "jurisdiction", "supported": sorted(LAWS)},
        )
    return law


def _open_locked(request: DataSubjectRequest) -> DataSubjectRequest:
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise ConflictError(
            f"Request {request.pk} is {request.status}", extra={"request": request.pk}
        )
    return request


def _mark_in_progress(request: DataSubjectRequest, *, by: User | None, reason: str) -> None:
    fields = []
    if request.status == RequestStatus.OPEN:
        request.status = RequestStatus.IN_PROGRESS
        fields.append("status")
    if request.handled_by_id is None and by is not None:
        request.handled_by = by
        fields.append("handled_by")
    if fields:
        request._change_reason = reason[:100]  # type: ignore[attr-defined]
        request._history_user = by  # type: ignore[attr-defined]
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
    request._history_user = created_by  # type: ignore[attr-defined]
    request.save()
    audit_event_record(
        actor=created_by,
        action="dsr.received",
        target=request,
        data={"request": request.pk, "kind": kind, "law": law.name, "due_at": request.due_at},
    )
    _search(request, by=created_by, now=moment)
    return request


def _search(request: DataSubjectRequest, *, by: User | None, now: datetime) -> dict[str, int]:
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
    request = _open_locked(request)
    _mark_in_progress(request, by=searched_by, reason="searched")
    return _search(request, by=searched_by, now=now or timezone.now())


@transaction.atomic
def subject_request_matches_confirm(
    *, request: DataSubjectRequest, match_ids: list[int], confirmed_by: User
) -> int:
    """A manager confirms name-only matches as the person's own chats. Chats that only mention
    the person cannot be confirmed: they belong to another customer."""
    request = _open_locked(request)
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
    _mark_in_progress(request, by=confirmed_by, reason="matches confirmed")
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
    request = _open_locked(request)
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
        _mark_in_progress(request, by=confirmed_by, reason="match confirmed")
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


# --- access and portability ---------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def _export_payload(request: DataSubjectRequest, now: datetime) -> dict[str, Any]:
    chat_ids = list(
        DataSubjectMatch.objects.filter(request=request, confirmed=True).values_list(
            "chat_id", flat=True
        )
    )
    # It is the person's own data: the original text, not the redacted layer.
    chats = list(chats_export(queryset=Chat.objects.filter(pk__in=chat_ids), redacted=False))
    return {
        "request": request.pk,
        "kind": request.kind,
        "generated_at": now.isoformat(),
        "format": INTERCHANGE_FORMAT,
        "chats": chats,
    }


def _export_html(request: DataSubjectRequest, payload: dict[str, Any]) -> bytes:
    return render_to_string(
        "privacy/export_bundle.html", {"request": request, "payload": payload}
    ).encode()


@transaction.atomic
def subject_request_export(
    *,
    request: DataSubjectRequest,
    exported_by: User,
    fmt: str = "json",
    now: datetime | None = None,
) -> ExportFile:
    """The person's chats as interchange JSON, a readable HTML transcript bundle, or both (zip).
    Searches again first so chats imported since the request are included."""
    if fmt not in EXPORT_FORMATS:
        raise ApplicationError("format must be json, html or zip", extra={"field": "format"})
    request = _open_locked(request)
    if request.kind not in EXPORT_KINDS:
        raise ApplicationError(
            f"A {request.kind} request has no export", extra={"request": request.pk}
        )
    moment = now or timezone.now()
    _search(request, by=exported_by, now=moment)
    _mark_in_progress(request, by=exported_by, reason="exported")
    payload = _export_payload(request, moment)
    stem = f"subject-request-{request.pk}"
    as_json = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()
    if fmt == "json":
        file = ExportFile(f"{stem}.json", "application/json", as_json)
    elif fmt == "html":
        file = ExportFile(
            f"{stem}.html", "text/html; charset=utf-8", _export_html(request, payload)
        )
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"{stem}/chats.json", as_json)
            bundle.writestr(f"{stem}/transcripts.html", _export_html(request, payload))
        file = ExportFile(f"{stem}.zip", "application/zip", buffer.getvalue())
    audit_event_record(
        actor=exported_by,
        action="dsr.exported",
        target=request,
        data={"request": request.pk, "format": fmt, "chats": len(payload["chats"])},
    )
    return file


# --- erasure --------------------------------------------------------------------------------


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
    blockers: dict[int, dict[str, Any]],
    other_requests: dict[int, list[int]],
    now: datetime,
) -> dict[str, Any] | None:
    """The reason to keep this chat, or None when it may be erased."""
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
    if not record.is_live:
        return _item(match, Outcome.KEPT, "already_disposed", f"record already {record.status}")
    blocker = blockers.get(record.pk)
    if blocker is not None and blocker["reason"] == "legal_hold":
        return _item(match, Outcome.KEPT, **blocker)
    if match.chat_id in other_requests:
        return _item(
            match,
            Outcome.KEPT,
            "data_subject_request",
            "held by another open data-subject request",
            requests=other_requests[match.chat_id],
        )
    if blocker is not None:
        return _item(match, Outcome.KEPT, **blocker)
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
    request = _open_locked(request)
    if request.kind != RequestKind.ERASURE:
        raise ApplicationError(
            f"A {request.kind} request does not erase", extra={"request": request.pk}
        )
    moment = now or timezone.now()
    _search(request, by=erased_by, now=moment)
    matches = list(subject_request_matches(request).select_related("chat__record__schedule"))
    record_ids = [m.chat.record.pk for m in matches if getattr(m.chat, "record", None) is not None]
    with subject_request_hold_lifted(request.pk):
        blockers = record_destruction_blockers(record_ids, now=moment)
    other_requests = subject_requests_holding([m.chat_id for m in matches], exclude=[request.pk])
    items: list[dict[str, Any]] = []
    erasable: dict[int, DataSubjectMatch] = {}
    for match in matches:
        kept = _decide(match, blockers=blockers, other_requests=other_requests, now=moment)
        if kept is None:
            erasable[match.chat.record.pk] = match
        else:
            items.append(kept)
    with subject_request_hold_lifted(request.pk):
        # The disposal path: tombstones, a completed batch and its certificate; holds re-checked
        # under lock.
        destroyed = records_destroy_certified(
            record_ids=list(erasable),
            now=moment,
            reason=f"erasure request {request.pk}",
            actor=erased_by,
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
    request._change_reason = "erasure run"  # type: ignore[attr-defined]
    request._history_user = erased_by  # type: ignore[attr-defined]
    request.save(update_fields=["result"])
    _mark_in_progress(request, by=erased_by, reason="erasure run")
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
    request = _open_locked(request)
    moment = now or timezone.now()
    request.status, request.closed_at, request.outcome = status, moment, outcome.strip()
    request.handled_by = request.handled_by or closed_by
    request._change_reason = status  # type: ignore[attr-defined]
    request._history_user = closed_by  # type: ignore[attr-defined]
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
