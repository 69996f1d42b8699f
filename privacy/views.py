from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.exceptions import ApplicationError
from core.http import acting_user
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.views import role_required
from privacy.forms import CloseForm, EraseForm, SubjectRequestForm
from privacy.models import RequestKind
from privacy.selectors import subject_request_matches, subject_requests_list
from privacy.services.erasure import subject_request_erase
from privacy.services.export import EXPORT_KINDS, subject_request_export
from privacy.services.requests import (
    subject_request_close,
    subject_request_create,
    subject_request_match_confirm,
    subject_request_matches_confirm,
    subject_request_search,
)

READERS = GOVERNANCE_ROLES
WRITERS = (Role.RECORDS_MANAGER,)
PAGE_SIZE = 50


def _may_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, *WRITERS)


@role_required(*READERS, write_roles=WRITERS)
def subject_request_list(request: HttpRequest) -> HttpResponse:
    """Requests with their deadlines, overdue first; managers record new ones."""
    form = SubjectRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = subject_request_create(
                created_by=acting_user(request),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Request {created.pk} recorded; its chats are now held.")
            return redirect("subject-request-detail", pk=created.pk)
    page = Paginator(subject_requests_list(now=timezone.now()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "privacy/request_list.html",
        {"page": page, "query": "", "form": form, "may_write": _may_write(request)},
    )


def _action(request: HttpRequest, pk: int) -> HttpResponse | None:
    user = acting_user(request)
    dsr = get_object_or_404(subject_requests_list(now=timezone.now()), pk=pk)
    action = request.POST.get("action")
    if action == "search":
        counts = subject_request_search(request=dsr, searched_by=user)
        messages.success(request, f"Search done: {counts['new']} new chat(s) found.")
    elif action == "confirm_matches":
        ids = [int(v) for v in request.POST.getlist("matches") if v.isdigit()]
        if not ids:
            raise ApplicationError("Select the matches to confirm")
        count = subject_request_matches_confirm(request=dsr, match_ids=ids, confirmed_by=user)
        messages.success(request, f"{count} match(es) confirmed.")
    elif action == "confirm_chat":
        chat = request.POST.get("chat", "") or request.GET.get("chat", "")
        match = subject_request_match_confirm(
            request=dsr,
            confirmed_by=user,
            chat_id=int(chat) if chat.isdigit() else None,
            chat_external_id=request.POST.get("chat_external_id", ""),
        )
        messages.success(request, f"Chat {match.chat_id} confirmed as the person's own.")
    elif action == "export":
        file = subject_request_export(
            request=dsr, exported_by=user, fmt=request.POST.get("format", "zip")
        )
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return response
    elif action == "erase":
        if not EraseForm(request.POST).is_valid():
            raise ApplicationError("Tick the box to confirm the erasure")
        result = subject_request_erase(request=dsr, erased_by=user)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(result["counts"].items()))
        messages.success(request, f"Erasure done: {summary or 'nothing matched'}.")
    elif action == "close":
        form = CloseForm(request.POST)
        if not form.is_valid():
            raise ApplicationError("Choose completed or rejected and describe the outcome")
        subject_request_close(
            request=dsr,
            closed_by=user,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
        )
        messages.success(request, f"Request {dsr.pk} closed; its hold is released.")
    else:
        raise ApplicationError("Unknown action")
    return None


@role_required(*READERS, write_roles=WRITERS)
def subject_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            response = _action(request, pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if response is not None:
                return response
        return redirect("subject-request-detail", pk=pk)
    dsr = get_object_or_404(subject_requests_list(now=timezone.now()), pk=pk)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "dsr": dsr,
            "matches": subject_request_matches(dsr),
            "may_write": _may_write(request) and dsr.is_open,
            "may_export": dsr.kind in EXPORT_KINDS,
            "may_erase": dsr.kind == RequestKind.ERASURE,
            "close_form": CloseForm(),
            "erase_form": EraseForm(),
        },
    )
