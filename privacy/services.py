"""Answering data-subject requests (R-DSR-1) and holding the person's chats meanwhile (R-HOLD-2).

Deadlines: PIPEDA (CA) 30 days, CCPA (US) 45 days after receipt. A request for another
jurisdiction is refused at intake rather than given an invented deadline.

Erasure rule (PIPEDA s. 4.5 / CCPA §1798.105(d) both let an organisation keep what the law or
a legal proceeding requires it to keep). For each of the person's own chats (confirmed matches):
- held by a legal hold or by another open data-subject request → kept (reason and hold ids);
- a record (not transitory) still inside its retention period → kept: a retention obligation,
  until its disposition date, with the schedule's citation;
- a record whose retention cannot be determined (country unknown, no schedule, trigger event
  not yet happened) → kept (fail closed) until that is resolved;
- transitory chats (record class not a record) and records past their disposition date →
  erased through retention.services.records_destroy, the same path as disposal (tombstone,
  content hash, customer identity and history rows removed, holds re-checked under lock);
- chats without a record yet (still open or undeclared) → kept and listed: the destruction path
  works on records; erase again once declared;
- chats that only mention the person (another customer's chat) or matched by name alone and not
  confirmed by a manager → not touched, and listed.
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
from integrations.webhooks.services import webhook_event_emit
from privacy.models import (
    OPEN_STATUSES,
    VERIFIED_BASES,
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
    RequestKind,
    RequestStatus,
)
from privacy.selectors import (
    phone_normalise,
    subject_chats_find,
    subject_request_hold_lifted,
    subject_request_matches,
)
from records.models import RecordStatus
from retention.selectors import record_active_holds
from retention.services import records_destroy

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
    ALREADY_ERASED = "already_erased"
    NOT_ACTED_ON = "not_acted_on"


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
    reference: str = "",
    received_at: datetime | None = None,
    created_by: User | None,
    now: datetime | None = None,
) -> DataSubjectRequest:
    """Records a request, sets its deadline and searches at once: the hold starts now."""
    moment = now or timezone.now()
    email, phone, name = email.strip().lower(), phone.strip(), " ".join(name.split())
    if kind not in RequestKind.values:
        raise ApplicationError("Unknown request kind", extra={"field": "kind"})
    if not (email or phone or name):
        raise ApplicationError(
            "Give at least one identifier: email, phone or name", extra={"field": "email"}
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
    found = subject_chats_find(
        email=request.email, phone_e164=request.phone_e164, name=request.name
    )
    existing = {m.chat_id: m for m in DataSubjectMatch.objects.filter(request=request)}
    new, changed = [], []
    for chat_id, bases in found.items():
        match = existing.get(chat_id)
        if match is None:
            new.append(
                DataSubjectMatch(
                    request=request,
                    chat_id=chat_id,
                    bases=sorted(bases),
                    confirmed=bool(VERIFIED_BASES & bases),
                    found_at=now,
                )
            )
        elif not bases <= set(match.bases):
            # Matches only grow while the request is open: the hold never silently shrinks.
            match.bases = sorted(bases | set(match.bases))
            match.confirmed = match.confirmed or bool(VERIFIED_BASES & bases)
            changed.append(match)
    DataSubjectMatch.objects.bulk_create(new)
    DataSubjectMatch.objects.bulk_update(changed, ["bases", "confirmed"])
    request.searched_at = now
    request.save(update_fields=["searched_at"])
    counts = {
        "request": request.pk,
        "matches": len(existing) + len(new),
        "new": len(new),
        "identity": sum(1 for bases in found.values() if bases - {MatchBasis.MENTION}),
        "mentions": sum(1 for bases in found.values() if bases == {MatchBasis.MENTION}),
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
    todo = [match.pk for match in matches if not match.confirmed]
    DataSubjectMatch.objects.filter(pk__in=todo).update(confirmed=True)
    _mark_in_progress(request, by=confirmed_by, reason="matches confirmed")
    audit_event_record(
        actor=confirmed_by,
        action="dsr.matches_confirmed",
        target=request,
        data={"request": request.pk, "matches": sorted(todo)},
    )
    return len(todo)


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


def _other_requests_holding(
    request: DataSubjectRequest, chat_ids: list[int]
) -> dict[int, list[int]]:
    holding: dict[int, list[int]] = {}
    rows = (
        DataSubjectMatch.objects.filter(chat_id__in=chat_ids, request__status__in=OPEN_STATUSES)
        .exclude(request=request)
        .order_by("request_id")
        .values_list("chat_id", "request_id")
    )
    for chat_id, request_id in rows:
        holding.setdefault(chat_id, []).append(request_id)
    return holding


def _decide(
    match: DataSubjectMatch,
    *,
    legal_holds: dict[int, list[int]],
    other_requests: dict[int, list[int]],
    now: datetime,
) -> dict[str, Any] | None:
    """The reason to keep this chat, or None when it may be erased."""
    if not match.is_identity:
        return _item(
            match,
            Outcome.NOT_ACTED_ON,
            "mentioned_only",
            "the person is only mentioned in another customer's chat",
        )
    if not match.confirmed:
        return _item(
            match,
            Outcome.NOT_ACTED_ON,
            "identity_unconfirmed",
            "matched by name only; a records manager has not confirmed it is the person's chat",
        )
    record = getattr(match.chat, "record", None)
    if record is None:
        return _item(
            match,
            Outcome.KEPT,
            "not_declared",
            "no record yet (chat open or not declared); erase again once it is declared",
        )
    if record.status not in (RecordStatus.ACTIVE, RecordStatus.FLAGGED):
        return _item(
            match, Outcome.ALREADY_ERASED, record.status, f"record already {record.status}"
        )
    if record.pk in legal_holds:
        return _item(
            match,
            Outcome.KEPT,
            "legal_hold",
            "under legal hold",
            holds=legal_holds[record.pk],
        )
    if match.chat_id in other_requests:
        return _item(
            match,
            Outcome.KEPT,
            "data_subject_request",
            "held by another open data-subject request",
            requests=other_requests[match.chat_id],
        )
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
    """Erases the person's chats that may be erased (see the module docstring) and stores, per
    chat, what was erased and why anything was kept."""
    request = _open_locked(request)
    if request.kind != RequestKind.ERASURE:
        raise ApplicationError(
            f"A {request.kind} request does not erase", extra={"request": request.pk}
        )
    moment = now or timezone.now()
    _search(request, by=erased_by, now=moment)
    matches = list(subject_request_matches(request).select_related("chat__record__schedule"))
    record_ids = [m.chat.record.pk for m in matches if getattr(m.chat, "record", None) is not None]
    legal_holds = record_active_holds(record_ids)
    other_requests = _other_requests_holding(request, [m.chat_id for m in matches])
    items: list[dict[str, Any]] = []
    erasable: dict[int, DataSubjectMatch] = {}
    for match in matches:
        kept = _decide(match, legal_holds=legal_holds, other_requests=other_requests, now=moment)
        if kept is None:
            erasable[match.chat.record.pk] = match
        else:
            items.append(kept)
    with subject_request_hold_lifted(request.pk):
        # The same path as disposal; it re-checks every hold under lock.
        destroyed = records_destroy(
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
        items.append(_item(match, Outcome.ERASED, "erasable", why))
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
        data={"request": request.pk, "counts": counts},
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
