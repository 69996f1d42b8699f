from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from chats.selectors import message_transcript_text, transcript_lines
from core.exceptions import ApplicationError
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.views import role_required
from qa.forms import QAConfirmForm, QACorrectForm, QAQueueFilterForm
from qa.models import QAReview, QAStatus
from qa.selectors import (
    qa_metrics,
    qa_review_evidence,
    qa_review_next,
    qa_reviews_filter,
    qa_reviews_list,
    qa_reviews_pending,
)
from qa.services import qa_review_confirm, qa_review_correct

READERS = GOVERNANCE_ROLES
WRITERS = (Role.RECORDS_MANAGER,)
PAGE_SIZE = 50


def _may_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, *WRITERS)


@role_required(*READERS)
def qa_queue(request: HttpRequest) -> HttpResponse:
    """The queue (pending by default) and past results, filtered by status, reason, country."""
    data = request.GET if request.GET else {"status": QAStatus.PENDING}
    form = QAQueueFilterForm(data)
    queryset = qa_reviews_list()
    if form.is_valid():
        queryset = qa_reviews_filter(
            queryset,
            status=form.cleaned_data["status"] or None,
            reason=form.cleaned_data["reason"] or None,
            country=form.cleaned_data["country"] or None,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "qa/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "pending": qa_reviews_pending().count(),
            "may_write": _may_write(request),
        },
    )


@role_required(*READERS)
def qa_next(request: HttpRequest) -> HttpResponse:
    """Opens the most urgent pending review; `?after=ID` skips that one."""
    after = None
    if request.GET.get("after", "").isdigit():
        after = QAReview.objects.filter(pk=int(request.GET["after"])).first()
    review = qa_review_next(after=after)
    if review is None:
        messages.success(request, "The QA queue is empty.")
        return redirect("qa-queue")
    return redirect("qa-review", pk=review.pk)


def _review_action(request: HttpRequest, review: QAReview) -> bool:
    user: Any = request.user
    if request.POST.get("action") == "confirm":
        confirm = QAConfirmForm(request.POST)
        confirm.is_valid()
        qa_review_confirm(review=review, reviewed_by=user, notes=confirm.cleaned_data["notes"])
        messages.success(request, f"Review {review.pk}: country confirmed.")
        return True
    form = QACorrectForm(request.POST)
    if not form.is_valid():
        return False
    review = qa_review_correct(
        review=review,
        reviewed_by=user,
        country=form.cleaned_data["country"],
        region=form.cleaned_data["region"],
        record_class=form.cleaned_data["record_class"],
        notes=form.cleaned_data["notes"],
    )
    messages.success(request, f"Review {review.pk}: {review.get_status_display().lower()}.")
    return True


@role_required(*READERS, write_roles=WRITERS)
def qa_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One chat at a time: redacted transcript, the country evidence, confirm or correct."""
    review = get_object_or_404(qa_reviews_list().prefetch_related("record__chat__agents"), pk=pk)
    chat = review.record.chat
    correct_form = QACorrectForm(initial={"country": chat.country, "region": chat.region})
    if request.method == "POST":
        correct_form = QACorrectForm(request.POST)
        try:
            if _review_action(request, review):
                return redirect(f"{reverse('qa-next')}?after={review.pk}")
        except ApplicationError as error:
            correct_form.add_error(None, error.message)
    if not chat.country:
        # Nothing to confirm: the cursor starts in the country field.
        correct_form.fields["country"].widget.attrs["autofocus"] = True
    may_write = _may_write(request)
    show_identity = may_write and request.GET.get("identity") == "1"
    if show_identity:
        audit_event_record(
            actor=request.user,
            action="chat.identity_viewed",
            target=chat,
            data={"via": "qa review", "review": review.pk},
        )
    lines = [
        {"message": message, "text": message_transcript_text(message, redacted=True)}
        for message in transcript_lines()
        .filter(chat=chat)
        .select_related("agent")
        .order_by("position")
    ]
    return render(
        request,
        "qa/review.html",
        {
            "review": review,
            "record": review.record,
            "chat": chat,
            "lines": lines,
            "evidence": qa_review_evidence(chat, include_identity=show_identity),
            "correct_form": correct_form,
            "confirm_form": QAConfirmForm(),
            "may_write": may_write and review.is_pending and review.record.is_live,
            "may_see_identity": may_write,
            "show_identity": show_identity,
            "pending": qa_reviews_pending().count(),
        },
    )


@role_required(*READERS)
def qa_metrics_page(request: HttpRequest) -> HttpResponse:
    return render(request, "qa/metrics.html", {"metrics": qa_metrics(now=timezone.now())})
