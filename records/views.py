from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.exceptions import ApplicationError
from core.roles import Role
from core.views import role_required
from records.filters import RecordFilter
from records.models import DeclarationRule, RecordClass
from records.selectors import record_explanation, record_history, records_list
from retention.forms import RetentionScheduleForm, ReviewDecisionForm
from retention.models import RetentionSchedule
from retention.selectors import record_active_holds
from retention.services.reviews import record_review_decide
from retention.services.schedules import retention_schedule_save

READERS = (Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR)
WRITERS = (Role.RECORDS_MANAGER,)
PAGE_SIZE = 50


@role_required(*READERS)
def record_list(request: HttpRequest) -> HttpResponse:
    record_filter = RecordFilter(request.GET, queryset=records_list())
    page = Paginator(record_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    holds = record_active_holds([record.pk for record in page])
    rows = [{"record": record, "holds": holds.get(record.pk, [])} for record in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/record_list.html",
        {"filter": record_filter, "page": page, "rows": rows, "query": query.urlencode()},
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
                decided_by=request.user,  # type: ignore[arg-type]
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
            "explanation": explanation,
            "history": record_history(record),
            "review_form": form if explanation["review_due"] and _is_manager(request) else None,
        },
    )


@role_required(*READERS)
def file_plan(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "records/file_plan.html",
        {
            "classes": RecordClass.objects.order_by("code"),
            "schedules": RetentionSchedule.objects.select_related("record_class").order_by(
                "record_class__code", "jurisdiction", "pk"
            ),
            "rules": DeclarationRule.objects.select_related("record_class").order_by(
                "position", "pk"
            ),
            "may_edit": request.user.is_authenticated and _is_manager(request),
        },
    )


def _is_manager(request: HttpRequest) -> bool:
    from core.roles import user_has_role

    return user_has_role(request.user, Role.RECORDS_MANAGER)


@role_required(*READERS, write_roles=WRITERS)
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = get_object_or_404(RetentionSchedule, pk=pk) if pk else None
    form = RetentionScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("record_class", "reason")}
        try:
            retention_schedule_save(
                schedule=schedule,
                record_class=form.cleaned_data["record_class"],
                data=data,
                changed_by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            field_name = error.extra.get("field")
            form.add_error(field_name if field_name in form.fields else None, error.message)
            messages.error(request, error.message)
        else:
            messages.success(request, "Schedule saved; the records of its class are recomputed.")
            return redirect("file-plan")
    return render(
        request,
        "records/schedule_form.html",
        {"form": form, "schedule": schedule, "read_only": not _is_manager(request)},
    )
