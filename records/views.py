from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.http import acting_user
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.views import role_required
from records.file_plan_edits import (
    declaration_rule_save,
    declaration_rules_dry_run,
    record_class_save,
)
from records.forms import DeclarationRuleForm, RecordClassForm, RetentionScheduleForm
from records.models import DeclarationRule, RecordClass, RetentionSchedule, RetentionScheduleChange
from records.schedule_changes import (
    retention_schedule_change_approve,
    retention_schedule_write,
    schedule_changes_pending,
)

READERS = GOVERNANCE_ROLES
WRITERS = (Role.RECORDS_MANAGER,)


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
            "retention_time_zone": settings.RETENTION_TIME_ZONE,
            "fiscal_year_start": settings.FISCAL_YEAR_START,
            "pending_changes": schedule_changes_pending().count(),
        },
    )


def _is_manager(request: HttpRequest) -> bool:
    return user_has_role(request.user, Role.RECORDS_MANAGER)


@role_required(*READERS, write_roles=WRITERS)
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = get_object_or_404(RetentionSchedule, pk=pk) if pk else None
    form = RetentionScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("record_class", "reason")}
        if schedule is None and not data.get("vital"):
            # A new schedule's unticked box says nothing about its class's existing flag.
            data.pop("vital", None)
        try:
            written = retention_schedule_write(
                schedule=schedule,
                record_class=form.cleaned_data["record_class"],
                data=data,
                changed_by=acting_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            field_name = error.extra.get("field")
            form.add_error(field_name if field_name in form.fields else None, error.message)
            messages.error(request, error.message)
        else:
            if written.change is not None:
                messages.warning(
                    request,
                    f"The change shortens {', '.join(written.change.shortens)}: nothing changed "
                    f"yet; change {written.change.pk} waits for another records manager.",
                )
                return redirect("schedule-changes")
            messages.success(request, "Schedule saved; the records of its class are recomputed.")
            return redirect("file-plan")
    return render(
        request,
        "records/schedule_form.html",
        {"form": form, "schedule": schedule, "read_only": not _is_manager(request)},
    )


@role_required(*READERS)
def schedule_changes(request: HttpRequest) -> HttpResponse:
    changes = RetentionScheduleChange.objects.select_related(
        "schedule__record_class", "proposed_by", "decided_by"
    ).order_by("-proposed_at", "-pk")[:200]
    return render(
        request,
        "records/schedule_changes.html",
        {"changes": changes, "may_approve": _is_manager(request)},
    )


@require_POST
@role_required(*READERS, write_roles=WRITERS)
def schedule_change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(RetentionScheduleChange, pk=pk)
    try:
        retention_schedule_change_approve(change_id=pk, approver=acting_user(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Change {pk} approved and applied; its records are recomputed.")
    return redirect("schedule-changes")


@role_required(*READERS, write_roles=WRITERS)
def record_class_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a record class, with a reason (records managers; others read)."""
    instance = get_object_or_404(RecordClass, pk=pk) if pk else RecordClass()
    form = RecordClassForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = record_class_save(
                record_class=form.save(commit=False),
                reason=form.cleaned_data["reason"],
                changed_by=acting_user(request),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Record class {saved.code} saved.")
            return redirect("file-plan")
    return render(
        request,
        "records/file_plan_form.html",
        {"form": form, "title": f"Record class {instance.code}" if pk else "New record class"},
    )


@role_required(*READERS, write_roles=WRITERS)
def declaration_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a declaration rule: "Preview" counts what it would do to the last 90 days'
    chats; "Save" keeps it (with a reason)."""
    instance = get_object_or_404(DeclarationRule, pk=pk) if pk else DeclarationRule()
    form = DeclarationRuleForm(request.POST or None, instance=instance)
    dry_run = None
    if request.method == "POST" and form.is_valid():
        rule = form.rule()
        try:
            if request.POST.get("step") == "save":
                declaration_rule_save(
                    rule=rule, reason=form.cleaned_data["reason"], changed_by=acting_user(request)
                )
                messages.success(request, f"Declaration rule {rule.name} saved.")
                return redirect("file-plan")
            dry_run = declaration_rules_dry_run(edited=rule, now=timezone.now())
        except ApplicationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "records/file_plan_form.html",
        {
            "form": form,
            "title": f"Declaration rule {instance.name}" if pk else "New declaration rule",
            "dry_run": dry_run.as_dict() if dry_run else None,
            "previewable": True,
        },
    )
