from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from core.http import acting_user
from core.pagination import CheapCountPaginator
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.sorting import SortColumn, TableSort, sort_headers
from core.views import role_required
from records.selectors import records_list
from retention.filters import RecordFilter
from retention.forms import LegalHoldForm, ReasonForm, ReviewDecisionForm
from retention.models import HoldCustodian, Tombstone
from retention.record_selectors import record_explanation, record_history
from retention.selectors import (
    disposal_certificates_list,
    legal_holds_list,
    record_active_holds,
)
from retention.services.hold_notices import hold_notice_acknowledge
from retention.services.holds import (
    hold_scope_preview_details,
    legal_hold_place,
    legal_hold_release,
)
from retention.services.reviews import record_review_decide

READERS = GOVERNANCE_ROLES
WRITERS = (Role.RECORDS_MANAGER,)
RECORD_LIST_SORT = TableSort(
    columns=(
        SortColumn("record", ("pk",)),
        SortColumn("class", ("record_class__code",)),
        SortColumn("country", ("chat__country",)),
        SortColumn("status", ("status",)),
        SortColumn("due", ("disposition_due",)),
    ),
    default="record",
)
RECORD_LIST_HEADERS = {
    "record": "Record",
    "class": "Class",
    "country": "Country",
    "status": "Status",
    "due": "Disposition due",
}
RECORD_PAGE_SIZE = 50


def _may_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, *WRITERS)


# --- legal holds ----------------------------------------------------------------------------


@role_required(*READERS, write_roles=WRITERS)
def legal_hold_list(request: HttpRequest) -> HttpResponse:
    """Lists holds; managers create one in two steps: preview the scope's count, then save."""
    form = LegalHoldForm(request.POST or None)
    preview: int | None = None
    preview_note = ""
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("step") == "save":
                hold = legal_hold_place(
                    matter=form.cleaned_data["matter"],
                    reference=form.cleaned_data["reference"],
                    reason=form.cleaned_data["reason"],
                    scope=form.scope(),
                    issued_by=acting_user(request),
                    custodians=form.custodian_emails(),
                )
                messages.success(request, f"Hold {hold.pk} placed.")
                return redirect("legal-hold-detail", pk=hold.pk)
            details = hold_scope_preview_details(scope=form.scope())
            preview, preview_note = details["count"], details["note"]
        except ApplicationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "retention/legal_hold_list.html",
        {
            "holds": legal_holds_list(),
            "form": form,
            "preview": preview,
            "preview_note": preview_note,
            "may_write": _may_write(request),
        },
    )


@role_required(*READERS, write_roles=WRITERS)
def legal_hold_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(legal_holds_list(), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            legal_hold_release(
                hold=hold,
                released_by=acting_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Hold {hold.pk} released.")
        return redirect("legal-hold-detail", pk=hold.pk)
    records = hold.coverage.select_related("record__chat", "record__record_class").order_by(
        "record_id"
    )[:200]
    return render(
        request,
        "retention/legal_hold_detail.html",
        {"hold": hold, "form": form, "coverage": records, "may_write": _may_write(request)},
    )


# --- disposal -------------------------------------------------------------------------------


@role_required(*READERS)
def disposal_certificate_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(disposal_certificates_list(), 50).get_page(request.GET.get("page"))
    return render(request, "retention/certificate_list.html", {"page": page})


@role_required(*READERS)
def disposal_certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(disposal_certificates_list(), pk=pk)
    return render(
        request,
        "retention/certificate_detail.html",
        {"certificate": certificate, "payload": certificate.payload},
    )


# --- records, with their holds and review decisions ---------------------------------------


@role_required(*READERS)
def record_list(request: HttpRequest) -> HttpResponse:
    sort = RECORD_LIST_SORT.state(request.GET)
    record_filter = RecordFilter(request.GET, queryset=records_list().order_by(*sort.order_by))
    page = CheapCountPaginator(record_filter.qs, RECORD_PAGE_SIZE).get_page(request.GET.get("page"))
    holds = record_active_holds([record.pk for record in page])
    rows = [{"record": record, "holds": holds.get(record.pk, [])} for record in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/record_list.html",
        {
            "filter": record_filter,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort": sort_headers(sort, RECORD_LIST_HEADERS),
        },
        # A refused filter (a country that is none) lists nothing, and says so.
        status=200 if record_filter.is_valid() else 400,
    )


@role_required(*READERS, write_roles=WRITERS)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The record, why it has its date, its history; a manager decides a due review (POST)."""
    record = get_object_or_404(records_list(), pk=pk)
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_review_decide(
                record=record,
                decision=form.cleaned_data["decision"],
                decided_by=acting_user(request),
                reason=form.cleaned_data["reason"],
                retain_until=form.retain_moment(),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Review decision recorded.")
            return redirect("record-detail", pk=record.pk)
    explanation = record_explanation(record)
    return render(
        request,
        "records/record_detail.html",
        {
            "record": record,
            "tombstone": Tombstone.objects.filter(record_id_value=record.pk)
            .select_related("batch__certificate")
            .first(),
            "explanation": explanation,
            "history": record_history(record),
            "review_form": form
            if explanation["review_due"] and user_has_role(request.user, Role.RECORDS_MANAGER)
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
def legal_hold_acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """A custodian confirms a hold notice by its link (no account needed: the token is the
    credential). GET shows what is acknowledged; the POST records it."""
    custodian = get_object_or_404(HoldCustodian.objects.select_related("hold"), token=token)
    if request.method == "POST":
        custodian = hold_notice_acknowledge(token=token)
    return render(
        request,
        "retention/legal_hold_acknowledge.html",
        {"custodian": custodian, "hold": custodian.hold},
    )
