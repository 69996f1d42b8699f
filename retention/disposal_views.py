"""Disposal pages: the batch list, the staged review page (issue #16) and the disposition
policies of record classes. Thin: every decision is a service of retention.services.disposal."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from core.http import acting_user
from core.pagination import KnownCountPaginator
from core.roles import GOVERNANCE_ROLES, Role, user_has_role
from core.sorting import SortColumn, TableSort, sort_headers
from core.views import role_required
from records.models import RecordClass
from retention.forms import (
    BatchItemFilterForm,
    BulkExcludeForm,
    DispositionStageFormSet,
    ExcludeForm,
    MatchingExcludeForm,
    ReasonForm,
)
from retention.models import BatchState, DisposalBatch, DisposalCertificate, ItemStatus
from retention.review_selectors import (
    batch_stages_view,
    disposal_batch_for_review,
    disposal_batch_summary,
    disposal_batches_with_stage,
    disposal_review_items,
    disposal_review_items_count,
    disposal_review_rows,
)
from retention.selectors import disposal_batch_item_counts, disposal_preview
from retention.services.disposal.proposal import (
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_item_exclude,
    disposal_items_exclude,
)
from retention.services.disposal.stages import (
    StageReviewerRequired,
    StageSpec,
    batch_stage_in_charge,
    disposition_policy_save,
    disposition_stages_by_class,
    user_reviews_stage,
)

READERS = GOVERNANCE_ROLES
WRITERS = (Role.RECORDS_MANAGER,)
PAGE_SIZE = 100
# The item columns a reviewer may sort by; equal values keep the items' order (their id).
BATCH_ITEM_SORT = TableSort(
    columns=(
        SortColumn("record", ("record_id",)),
        SortColumn("country", ("record__chat__country",)),
        SortColumn("due", ("record__disposition_due",)),
        SortColumn("status", ("status",)),
    ),
    default="record",
)
BATCH_ITEM_HEADERS = {
    "record": "Record",
    "country": "Jurisdiction",
    "due": "Due",
    "status": "Status",
}
FILTER_KEYS = ("record_class", "country", "year", "status")


def _may_write(request: HttpRequest) -> bool:
    return user_has_role(request.user, *WRITERS)


@role_required(*READERS)
def disposal_batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(disposal_batches_with_stage(), 50).get_page(request.GET.get("page"))
    # The dry run counts every due record (about 40 ms at a million messages): only on request.
    show_preview = request.GET.get("preview") == "1"
    return render(
        request,
        "retention/disposal_batch_list.html",
        {
            "page": page,
            "show_preview": show_preview,
            "preview": disposal_preview(now=timezone.now()) if show_preview else [],
            "may_write": _may_write(request),
        },
    )


def _stage_number(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError as error:
        raise ApplicationError("stage must be a stage number", extra={"field": "stage"}) from error


def _batch_action(request: HttpRequest, batch: DisposalBatch) -> None:
    action = request.POST.get("action")
    user = acting_user(request)
    if action == "approve":
        disposal_batch_approve(
            batch=batch, approver=user, stage=_stage_number(request.POST.get("stage"))
        )
        messages.success(request, "Approval recorded.")
    elif action == "reject":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            raise ApplicationError("Rejecting a batch needs a reason")
        disposal_batch_reject(batch=batch, rejected_by=user, reason=form.cleaned_data["reason"])
        messages.success(request, "Batch rejected.")
    elif action == "exclude" and "records" in request.POST:
        bulk = BulkExcludeForm(request.POST)
        if not bulk.is_valid():
            raise ApplicationError(
                "Sending items back needs selected items, a reason and a review date"
            )
        count = disposal_items_exclude(
            batch=batch,
            record_ids=bulk.cleaned_data["records"],
            excluded_by=user,
            reason=bulk.cleaned_data["reason"],
            review_at=bulk.review_moment(),
        )
        messages.success(request, f"{count} record(s) sent back.")
    elif action == "exclude_matching":
        _exclude_matching(request, batch, user)
    elif action == "exclude":
        exclude = ExcludeForm(request.POST)
        if not exclude.is_valid():
            raise ApplicationError("Excluding needs a reason and a review date")
        disposal_item_exclude(
            batch=batch,
            record_id=exclude.cleaned_data["record"],
            excluded_by=user,
            reason=exclude.cleaned_data["reason"],
            review_at=exclude.review_moment(),
        )
        messages.success(request, f"Record {exclude.cleaned_data['record']} excluded.")
    else:
        raise ApplicationError("Unknown action")


def _exclude_matching(request: HttpRequest, batch: DisposalBatch, user: User) -> None:
    """Sends back every pending item a summary row's filter shows, if it still shows exactly
    the count the reviewer saw (a stale page, or a replay after items changed, sends nothing)."""
    narrowing = BatchItemFilterForm(request.POST).narrowing()
    if not {"record_class", "country", "year"} & narrowing.keys():
        raise ApplicationError(
            "Sending every item back needs a filter (class, country or year); to send the "
            "whole batch back, reject it"
        )
    form = MatchingExcludeForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("Sending items back needs a reason and a review date")
    narrowing["status"] = ItemStatus.PENDING
    record_ids = list(disposal_review_items(batch, **narrowing).values_list("record_id", flat=True))
    expected = form.cleaned_data["expected"]
    if len(record_ids) != expected:
        raise ApplicationError(
            f"The filter now shows {len(record_ids)} pending item(s), not the {expected} you "
            "saw: nothing was sent back. Check the list again."
        )
    count = disposal_items_exclude(
        batch=batch,
        record_ids=record_ids,
        excluded_by=user,
        reason=form.cleaned_data["reason"],
        review_at=form.review_moment(),
    )
    messages.success(request, f"{count} record{'s' if count != 1 else ''} sent back.")


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _review_page(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    batch = disposal_batch_for_review(pk)
    filter_form = BatchItemFilterForm(request.GET)
    narrowing = filter_form.narrowing()
    sort = BATCH_ITEM_SORT.state(request.GET)
    items = disposal_review_items(batch, **narrowing, order_by=sort.order_by)
    count = disposal_review_items_count(batch, **narrowing)
    page = KnownCountPaginator(items, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    narrowed = bool({"record_class", "country", "year"} & narrowing.keys())
    # The pending items among those shown (none when another status is asked for).
    matching_pending = 0
    if narrowed and narrowing.get("status") == ItemStatus.PENDING:
        matching_pending = count
    elif narrowed and not narrowing.get("status"):
        matching_pending = disposal_review_items_count(
            batch, **narrowing, status=ItemStatus.PENDING
        )
    stage, stages = batch_stages_view(batch)
    in_charge = batch_stage_in_charge(batch)
    user = request.user
    reviewable = batch.state in (BatchState.PROPOSED, BatchState.APPROVED)
    may_write = _may_write(request)
    is_reviewer = isinstance(user, User) and (
        in_charge is None or user_reviews_stage(user, in_charge)
    )
    return render(
        request,
        "retention/disposal_batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "rows": disposal_review_rows(list(page)),
            "summary": disposal_batch_summary(batch),
            "counts": disposal_batch_item_counts(batch),
            "approvals": batch.approvals.all(),
            "stage": stage,
            "stages": stages,
            "in_charge": in_charge,
            "may_write": may_write,
            "may_decide": may_write and reviewable and is_reviewer,
            "may_approve": may_write
            and is_reviewer
            and batch.state == BatchState.PROPOSED
            and (stage is not None or not stages),
            "reviewable": reviewable,
            "pending": ItemStatus.PENDING,
            "filter_form": filter_form,
            "narrowed": narrowed,
            "matching_pending": matching_pending,
            "sort": sort_headers(sort, BATCH_ITEM_HEADERS),
            "query": _without_page(request),
            # Only the link is shown: the payload lists every item and can run to megabytes.
            "certificate": DisposalCertificate.objects.filter(batch=batch).defer("payload").first()
            if batch.state == BatchState.COMPLETED
            else None,
        },
        status=status,
    )


@role_required(*READERS, write_roles=WRITERS)
def disposal_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page: summary, stages, items with what a reviewer needs; the decision bar
    (approve the stage, reject) stays at hand while paging; bulk send-back of selected items."""
    batch = get_object_or_404(DisposalBatch, pk=pk)
    if request.method == "POST":
        try:
            _batch_action(request, batch)
        except StageReviewerRequired as error:
            messages.error(request, error.message)
            return _review_page(request, pk, status=403)
        except ApplicationError as error:
            messages.error(request, error.message)
        # Back to the list as the reviewer left it: the same filter, order and page.
        back = QueryDict(mutable=True)
        for key in (*FILTER_KEYS, "sort"):
            if request.POST.get(key):
                back[key] = request.POST[key]
        if request.POST.get("page", "").isdigit():
            back["page"] = request.POST["page"]
        target = reverse("disposal-batch-detail", args=[pk])
        # #messages: the result takes the focus, and no fragment of the page the form was on
        # (#items-title, kept by the browser across the redirect) takes it instead.
        query = f"?{back.urlencode()}" if back else ""
        return redirect(f"{target}{query}#messages")
    return _review_page(request, pk)


# --- disposition policies ------------------------------------------------------------------


@role_required(*READERS)
def disposition_policy_list(request: HttpRequest) -> HttpResponse:
    classes = list(RecordClass.objects.order_by("code"))
    stages = disposition_stages_by_class([c.pk for c in classes])
    rows = [{"record_class": c, "stages": stages.get(c.pk, [])} for c in classes]
    return render(
        request,
        "retention/disposal_policy_list.html",
        {"rows": rows, "may_write": _may_write(request)},
    )


def _initial_stages(record_class: RecordClass) -> list[dict[str, Any]]:
    stages = disposition_stages_by_class([record_class.pk]).get(record_class.pk, [])
    return [
        {
            "name": stage.name,
            "reviewer_group": stage.reviewer_group,
            "reviewers": ", ".join(sorted(u.get_username() for u in stage.reviewers.all())),
        }
        for stage in stages
    ]


@role_required(*READERS, write_roles=WRITERS)
def disposition_policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's review stages, in order; clearing every stage name removes the policy."""
    record_class = get_object_or_404(RecordClass, pk=pk)
    formset = DispositionStageFormSet(
        request.POST or None, initial=_initial_stages(record_class), prefix="stages"
    )
    if request.method == "POST" and formset.is_valid():
        specs = [
            StageSpec(
                name=form.cleaned_data["name"],
                reviewer_group=form.cleaned_data.get("reviewer_group"),
                reviewers=tuple(form.cleaned_data.get("reviewers") or ()),
            )
            for form in formset.forms
            if (form.cleaned_data.get("name") or "").strip()
        ]
        try:
            disposition_policy_save(
                record_class=record_class, stages=specs, saved_by=acting_user(request)
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Review stages of {record_class.code} saved.")
            return redirect("disposition-policy-list")
    return render(
        request,
        "retention/disposal_policy_edit.html",
        {"record_class": record_class, "formset": formset, "may_write": _may_write(request)},
    )
