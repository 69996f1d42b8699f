"""The audit log page's evidence download: the same package as `export_audit_evidence`."""

import tempfile
from datetime import date
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

from core.http import acting_user
from core.roles import GOVERNANCE_ROLES
from core.views import role_required
from retention.evidence.package import EvidencePeriod, audit_evidence_export


def _day(request: HttpRequest, name: str) -> date | None:
    value = request.GET.get(name, "").strip()
    return date.fromisoformat(value) if value else None


@role_required(*GOVERNANCE_ROLES)
def audit_evidence_download(request: HttpRequest) -> HttpResponseBase:
    try:
        period = EvidencePeriod(first=_day(request, "from"), last=_day(request, "to"))
    except ValueError:
        return HttpResponseBadRequest(
            render_to_string(
                "retention/evidence_error.html",
                {"message": "From and To must be dates (YYYY-MM-DD)."},
                request,
            )
        )
    if period.first and period.last and period.first > period.last:
        return HttpResponseBadRequest(
            render_to_string(
                "retention/evidence_error.html", {"message": "From is after To."}, request
            )
        )
    # A temporary file, not memory: a period can hold millions of events. The response closes
    # (and so deletes) it once sent.
    spool = tempfile.NamedTemporaryFile(suffix=".zip")  # noqa: SIM115 - closed by the response
    audit_evidence_export(out=Path(spool.name), period=period, exported_by=acting_user(request))
    spool.seek(0)
    name = f"audit-evidence-{period.label().replace(' ', '-')}.zip"
    return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")
