"""Pages of knowledge-base usage: the "Was this helpful?" vote and the usage report."""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.http import acting_user
from core.reports import ReportPeriod
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.views import role_required
from knowledgebase.models import Article
from knowledgebase.selectors.usage import kb_usage, usage_period_default
from knowledgebase.services.usage import article_feedback_record

ALL_ROLES = tuple(Role)


@require_POST
@role_required(write_roles=ALL_ROLES)
def article_feedback_page(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.all(), pk=pk)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        messages.error(request, "Choose Yes or No.")
        return redirect("kb-article-detail", pk=pk)
    try:
        article_feedback_record(
            article=article,
            user=acting_user(request),
            helpful=helpful == "yes",
            comment=request.POST.get("comment", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you: your answer was recorded.")
    return redirect("kb-article-detail", pk=pk)


def _day(value: str, default: date) -> date:
    return date.fromisoformat(value) if value.strip() else default


@role_required(*GOVERNANCE_ROLES)
def kb_usage_page(request: HttpRequest) -> HttpResponse:
    error = ""
    try:
        last = _day(request.GET.get("to", ""), timezone.localdate())
        first = _day(request.GET.get("from", ""), usage_period_default(last=last).first)
        if first > last:
            raise ValueError("From is after To.")
    except ValueError as problem:
        error = str(problem) if "after" in str(problem) else "From and To must be dates."
        default = usage_period_default(last=timezone.localdate())
        first, last = default.first, default.last
    usage = kb_usage(period=ReportPeriod(first=first, last=last))
    return render(
        request,
        "knowledgebase/usage.html",
        {
            "usage": usage,
            "error": error,
            "may_write": user_has_role(request.user, Role.SUPPORT_STAFF, Role.RECORDS_MANAGER),
        },
        status=400 if error else 200,
    )
