"""What a disposal reviewer reads (issue #16): a batch with its stages, a summary of its items by
class, country and year, and per item the facts a decision needs. Set-based: one page of items
costs a fixed number of queries whatever its size (pinned in tests/retention); the summary and
every count come from DisposalBatchSummary (issue #19), never from grouping the items."""

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from chats.selectors import chat_extras
from retention.models import (
    DisposalBatch,
    DisposalBatchStage,
    DisposalBatchSummary,
    DisposalItem,
    ItemStatus,
)
from retention.selectors import (
    disposal_batches_list,
    record_active_holds,
    record_ids_blocked,
    record_ids_held,
)
from retention.services.disposal.stages import batch_stage_current, batch_stages_prefetch

TOPIC_TERMS = 6


def disposal_batch_for_review(pk: int) -> DisposalBatch:
    """The batch with its stages, their reviewers and deciders, and its approvals."""
    return (
        disposal_batches_list()
        .prefetch_related(batch_stages_prefetch(), "approvals__approver", "approvals__stage")
        .get(pk=pk)
    )


def disposal_batches_with_stage() -> QuerySet[DisposalBatch]:
    """disposal_batches_list() annotated with the stage under review (`stage_position`,
    `stage_name`: the first undecided stage; null without stages), in the same query."""
    undecided = DisposalBatchStage.objects.filter(
        batch=OuterRef("pk"), decided_at__isnull=True
    ).order_by("position")
    return disposal_batches_list().annotate(
        stage_position=Subquery(undecided.values("position")[:1]),
        stage_name=Subquery(undecided.values("name")[:1]),
    )


def _narrowing_q(
    *, record_class: str = "", country: str = "", year: int | None = None, prefix: str = ""
) -> Q:
    """A summary row's narrowing (class code, country — "unknown" for none —, chat year), on
    an item's group (prefix "group_") or on a summary row (no prefix)."""
    condition = Q()
    if record_class:
        key = "group_class__code" if prefix else "record_class__code"
        condition &= Q(**{key: record_class})
    if country:
        condition &= Q(**{f"{prefix}country": "" if country == "unknown" else country})
    if year is not None:
        condition &= Q(**{f"{prefix}year": year})
    return condition


def disposal_review_items(
    batch: DisposalBatch,
    *,
    record_class: str = "",
    country: str = "",
    year: int | None = None,
    status: str = "",
    order_by: Sequence[str] = ("pk",),
) -> QuerySet[DisposalItem]:
    """The items of a batch, narrowed as a summary row narrows them (class, country — "unknown"
    for none —, year of the chat in TIME_ZONE: the item's group, which the summary keeps equal
    to its record's) and by status, in `order_by`."""
    items = DisposalItem.objects.filter(
        _narrowing_q(record_class=record_class, country=country, year=year, prefix="group_"),
        batch=batch,
    )
    if status:
        items = items.filter(status=status)
    return items.select_related(
        "record__chat", "record__record_class", "record__schedule"
    ).order_by(*order_by)


def disposal_review_items_count(
    batch: DisposalBatch,
    *,
    record_class: str = "",
    country: str = "",
    year: int | None = None,
    status: str = "",
) -> int:
    """How many items disposal_review_items(…) shows, from the batch's summary rows. One query."""
    rows = DisposalBatchSummary.objects.filter(
        _narrowing_q(record_class=record_class, country=country, year=year), batch=batch
    )
    if status:
        rows = rows.filter(status=status)
    return rows.aggregate(n=Coalesce(Sum("items"), 0))["n"]


def disposal_batch_summary(batch: DisposalBatch) -> list[dict[str, Any]]:
    """Items by record class, chat country and year of the chat (in TIME_ZONE): all of them and
    those still pending. One query, over the batch's summary rows."""
    rows = (
        DisposalBatchSummary.objects.filter(batch=batch)
        .values("record_class__code", "country", "year")
        .annotate(
            total=Sum("items"),
            pending=Coalesce(Sum("items", filter=Q(status=ItemStatus.PENDING)), 0),
        )
        .filter(total__gt=0)
        .order_by("record_class__code", "country", "year")
    )
    return [
        {
            "record_class": row["record_class__code"],
            "country": row["country"] or "unknown",
            "year": row["year"],
            "items": row["total"],
            "pending": row["pending"],
        }
        for row in rows
    ]


def _topic(keywords: Any, tags_redacted: Any) -> list[str]:
    terms: list[str] = []
    for term in [*(keywords or []), *(tags_redacted or [])]:
        if isinstance(term, str) and term and term not in terms:
            terms.append(term)
    return terms[:TOPIC_TERMS]


def disposal_review_rows(items: Sequence[DisposalItem]) -> list[dict[str, Any]]:
    """Per item of one page: the item, its record and chat, the chat's topic (its keywords and
    redacted tags, never original text), its active legal holds, whether anything else holds
    it, and what blocks its destruction (a pending QA review, an unknown country)."""
    record_ids = [item.record_id for item in items]
    chat_ids = [item.record.chat_id for item in items]
    holds = record_active_holds(record_ids)
    held = record_ids_held(record_ids)
    blocked = record_ids_blocked(record_ids)
    extras = chat_extras(chat_ids)
    rows = []
    for item in items:
        record, chat = item.record, item.record.chat
        rows.append(
            {
                "item": item,
                "record": record,
                "chat": chat,
                "topic": _topic(extras.get(chat.pk, {}).get("keywords"), chat.tags_redacted),
                "legal_holds": holds.get(record.pk, []),
                "other_hold": record.pk in held and not holds.get(record.pk),
                "block": blocked.get(record.pk, ""),
            }
        )
    return rows


def stage_view(stage: DisposalBatchStage) -> dict[str, Any]:
    """A stage as the API and the pages show it (uses the prefetched reviewers)."""
    return {
        "position": stage.position,
        "name": stage.name,
        "reviewers": {
            "group": stage.reviewer_group.name if stage.reviewer_group else None,
            "users": sorted(user.get_username() for user in stage.reviewers.all()),
        },
        "opened_at": stage.opened_at,
        "decided_by": stage.decided_by.get_username() if stage.decided_by else None,
        "decided_at": stage.decided_at,
    }


def batch_stages_view(batch: DisposalBatch) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the stage under review, every stage) of a batch fetched by disposal_batch_for_review."""
    stages = list(batch.stages.all())
    current = batch_stage_current(batch, stages)
    return (stage_view(current) if current else None), [stage_view(s) for s in stages]
