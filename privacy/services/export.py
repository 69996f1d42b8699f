"""Access and portability (R-DSR-1): the person's confirmed chats as interchange JSON, a
readable HTML transcript bundle, or both in a zip."""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from chats.selectors import chats_export
from core.exceptions import ApplicationError
from privacy.models import DataSubjectMatch, DataSubjectRequest, RequestKind
from privacy.services.requests import (
    subject_request_chats_search,
    subject_request_locked_open,
    subject_request_mark_in_progress,
)

EXPORT_FORMATS = ("json", "html", "zip")
EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)
INTERCHANGE_FORMAT = "chatrecords-interchange-v1"


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
    # With the documents as the sources sent them: they are the person's data too (SPEC §3).
    chats = list(
        chats_export(
            queryset=Chat.objects.filter(pk__in=chat_ids),
            redacted=False,
            with_source_documents=True,
        )
    )
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
    request = subject_request_locked_open(request)
    if request.kind not in EXPORT_KINDS:
        raise ApplicationError(
            f"A {request.kind} request has no export", extra={"request": request.pk}
        )
    moment = now or timezone.now()
    subject_request_chats_search(request, by=exported_by, now=moment)
    subject_request_mark_in_progress(request, by=exported_by, reason="exported")
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
