"""Reading retention state: hold checks, due records, batches.

`records_held_q()` is THE definition of "held" used by disposal, purge and anonymisation. Other
apps answer the hook retention.hooks.record_hold_conditions (e.g. open data-subject requests,
R-HOLD-2), so no destructive path can forget a kind of hold.

`records_blocked_q()` / `record_ids_blocked()` are THE definition of "may not be disposed of nor
purged yet, and why" beside holds: an unknown country, and whatever other apps answer to
retention.hooks.record_destruction_blocks (a pending QA review, R-QA-2). Proposing, executing
and purging all use them, so a record waiting for a check is never destroyed by any of those
paths. `records_destruction_facts()` feeds retention.rules.record_destruction_refusal, the one
rule of "may this record be destroyed, and if not why".
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.db import any_of
from core.db.prepared import IdsQuery
from records.models import Record, RecordStatus
from records.rules import (
    ACTION_DESTROY,
    ACTION_REVIEW,
    REVIEW_DECISION_DESTROY,
    record_status_is_live,
    records_live_q,
    records_past_disposition_q,
)
from retention.hooks import BlockQuery, HoldQuery, record_destruction_blocks, record_hold_conditions
from retention.models import (
    OPEN_BATCH_STATES,
    DisposalApproval,
    DisposalBatch,
    DisposalBatchSummary,
    DisposalCertificate,
    DisposalItem,
    ItemStatus,
    LegalHold,
    LegalHoldRecord,
)
from retention.rules import DestructionFacts

BLOCKED_COUNTRY_UNKNOWN = "country unknown"


def _block_conditions() -> list[tuple[str, Q]]:
    """(reason, Q over Record) of every destruction block: the built-in unknown country first,
    then what other apps answer (retention.hooks.record_destruction_blocks)."""
    return [
        (BLOCKED_COUNTRY_UNKNOWN, Q(chat__country="")),
        *record_destruction_blocks.send(BlockQuery()),
    ]


def records_blocked_q() -> Q:
    """A Q over Record: true when the record may not be disposed of nor purged yet (not holds:
    see records_held_q)."""
    condition = Q()
    for _, extra in _block_conditions():
        condition |= extra
    return condition


def record_ids_blocked(record_ids: Iterable[int]) -> dict[int, str]:
    """{record id: why it may not be disposed of nor purged yet} for the blocked ones; the first
    block's reason wins. One query per kind of block."""
    ids = list(record_ids)
    blocked: dict[int, str] = {}
    if not ids:
        return blocked
    for reason, condition in _block_conditions():
        for pk in (
            Record.objects.filter(any_of("pk", ids)).filter(condition).values_list("pk", flat=True)
        ):
            blocked.setdefault(pk, reason)
    return blocked


def legal_hold_active_q() -> Q:
    return Q(
        Exists(
            LegalHoldRecord.objects.filter(record_id=OuterRef("pk"), hold__released_at__isnull=True)
        )
    )


def records_held_q(hold: HoldQuery | None = None) -> Q:
    """A Q over Record: true when anything holds the record (legal holds and what other apps
    answer to retention.hooks.record_hold_conditions; `hold` says whose holds do not count).
    Only a live record is held: a destroyed one has nothing left to protect, and never reads
    "disposed" and "held" at once."""
    condition = legal_hold_active_q()
    for extra in record_hold_conditions.send(hold or HoldQuery()):
        condition |= extra
    return records_live_q() & condition


def record_ids_held(record_ids: Iterable[int], *, hold: HoldQuery | None = None) -> set[int]:
    ids = list(record_ids)
    if not ids:
        return set()
    return set(
        Record.objects.filter(any_of("pk", ids))
        .filter(records_held_q(hold))
        .values_list("pk", flat=True)
    )


def record_active_hold_list(record: Record) -> list[LegalHold]:
    """The active legal holds covering one record, oldest first, in one query."""
    return list(
        LegalHold.objects.filter(coverage__record=record, released_at__isnull=True).order_by("pk")
    )


# Every record page and chat page asks this: compiled once per database (core.db.prepared).
_ACTIVE_HOLDS = IdsQuery(
    lambda record_ids: (
        LegalHoldRecord.objects.filter(
            any_of("record_id", record_ids), hold__released_at__isnull=True
        )
        .order_by("hold_id")
        .values_list("record_id", "hold_id")
    )
)


def record_active_holds(record_ids: Iterable[int]) -> dict[int, list[int]]:
    """{record id: [ids of the active legal holds covering it]} in one query."""
    result: dict[int, list[int]] = {}
    for record_id, hold_id in _ACTIVE_HOLDS.rows(list(record_ids)):
        result.setdefault(record_id, []).append(hold_id)
    return result


def records_destruction_facts(
    record_ids: Iterable[int],
    *,
    hold: HoldQuery | None = None,
    legal_holds: bool = True,
    exclusions: bool = True,
    blocks: bool = True,
) -> dict[int, DestructionFacts]:
    """{record id: what stands between it and its destruction} for rules.
    record_destruction_refusal, for the existing records among `record_ids`. Set-based: a few
    queries whatever the number of records. A path that checks exclusions or blocks itself
    leaves them out (`exclusions=False`, `blocks=False`); without `legal_holds`, a legal hold
    reads as a hold like any other."""
    ids = sorted(set(record_ids))
    if not ids:
        return {}
    rows = Record.objects.filter(any_of("pk", ids)).values_list("pk", "status", "review_at")
    held = record_ids_held(ids, hold=hold)
    holds = record_active_holds(ids) if legal_holds else {}
    blocked = record_ids_blocked(ids) if blocks else {}
    return {
        pk: DestructionFacts(
            status=status,
            is_live=record_status_is_live(status),
            is_held=pk in held,
            legal_hold_ids=tuple(holds.get(pk, ())),
            excluded_until=review_at if exclusions else None,
            block=blocked.get(pk),
        )
        for pk, status, review_at in rows
    }


def records_in_open_batches_q() -> Q:
    return Q(
        Exists(
            DisposalItem.objects.filter(
                record_id=OuterRef("pk"),
                status=ItemStatus.PENDING,
                batch__state__in=OPEN_BATCH_STATES,
            )
        )
    )


def disposal_action_expression() -> Case:
    """What a batch does to a record: its schedule's action; `destroy` for a decided review."""
    return Case(
        When(schedule__action=ACTION_REVIEW, then=Value(ACTION_DESTROY)),
        default=F("schedule__action"),
        output_field=CharField(),
    )


def records_review_due_q(*, now: datetime) -> Q:
    """Records of a `review` schedule past their date on which no manager has decided yet
    (rules.review_is_due): listed for review, never proposed for disposal."""
    return Q(
        status=RecordStatus.ACTIVE,
        schedule__action=ACTION_REVIEW,
        disposition_due__isnull=False,
        disposition_due__lte=now,
    ) & ~Q(review_decision=REVIEW_DECISION_DESTROY)


def records_due_for_disposal(*, now: datetime) -> QuerySet[Record]:
    """Active records past their date, with a schedule and a known country, of a disposition a
    batch carries out, unheld, not blocked (pending QA review), not under review and not already
    proposed. Flagged, permanent (`retain`) and undecided `review` records never qualify (fail
    closed)."""
    return (
        Record.objects.filter(records_past_disposition_q(now=now))
        .exclude(records_blocked_q())
        .filter(Q(review_at__isnull=True) | Q(review_at__lte=now))
        .exclude(records_held_q())
        .exclude(records_in_open_batches_q())
    )


def disposal_preview(*, now: datetime) -> list[dict[str, Any]]:
    """Dry run of build_disposal_batches: due records counted by class, jurisdiction, action."""
    rows = (
        records_due_for_disposal(now=now)
        .annotate(disposal_action=disposal_action_expression())
        .values("record_class__code", "jurisdiction", "disposal_action")
        .annotate(count=Count("pk"))
        .order_by("record_class__code", "jurisdiction", "disposal_action")
    )
    return [
        {
            "record_class": row["record_class__code"],
            "jurisdiction": row["jurisdiction"],
            "action": row["disposal_action"],
            "count": row["count"],
        }
        for row in rows
    ]


def records_due_for_pii_purge(*, now: datetime) -> QuerySet[Record]:
    """Live records past their PII period whose chat has a redacted layer, originals not yet
    purged and nothing holding them. A flagged record qualifies only when its country is
    unknown: it then has the longest PII period of its class (schedules.retention values), so no
    country check can lengthen it and a pending one does not block the purge
    (records_purge_blocked_q); the record itself stays flagged, never disposed."""
    return (
        Record.objects.filter(
            Q(status=RecordStatus.ACTIVE) | Q(status=RecordStatus.FLAGGED, chat__country=""),
            pii_purge_due__isnull=False,
            pii_purge_due__lte=now,
            pii_purged_at__isnull=True,
            chat__redacted_at__isnull=False,
        )
        .exclude(records_purge_blocked_q())
        .exclude(records_held_q())
    )


def records_purge_blocked_q() -> Q:
    """A Q over Record: its originals must wait. A block (a pending QA review) counts only for a
    record of known country, whose purge date a corrected country could still move later; an
    unknown-country record's date is already the longest any schedule of its class gives."""
    return records_blocked_q() & ~Q(chat__country="")


def record_ids_purge_blocked(record_ids: Iterable[int]) -> dict[int, str]:
    """{record id: why its originals must wait} (records_purge_blocked_q), for the purge's
    re-check under lock."""
    blocked = record_ids_blocked(record_ids)
    if not blocked:
        return blocked
    unknown_country = set(
        Record.objects.filter(any_of("pk", list(blocked)), chat__country="").values_list(
            "pk", flat=True
        )
    )
    return {pk: reason for pk, reason in blocked.items() if pk not in unknown_country}


def records_unknown_country_originals_kept() -> QuerySet[Record]:
    """Flagged records of unknown country whose originals have no purge date: no schedule of
    their class could apply, or one could and has no PII period. Reported by the purge job."""
    return Record.objects.filter(
        status=RecordStatus.FLAGGED,
        chat__country="",
        pii_purge_due__isnull=True,
        pii_purged_at__isnull=True,
    )


def legal_holds_list() -> QuerySet[LegalHold]:
    return (
        LegalHold.objects.select_related("issued_by", "released_by")
        .prefetch_related("custodians")
        .annotate(record_count=Count("coverage"))
        .order_by("-placed_at", "-pk")
    )


def _count_per_batch(model: type[DisposalApproval]) -> Coalesce:
    # A correlated count per batch row, not JOIN + GROUP BY (with every selected column).
    counts = (
        model.objects.filter(batch=OuterRef("pk"))
        .order_by()
        .values("batch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _items_per_batch() -> Coalesce:
    # From the batch's summary rows (a few dozen), not a count of its 400,000 items (issue #19).
    counts = (
        DisposalBatchSummary.objects.filter(batch=OuterRef("pk"))
        .order_by()
        .values("batch")
        .annotate(n=Sum("items"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def disposal_batches_list() -> QuerySet[DisposalBatch]:
    return (
        DisposalBatch.objects.select_related("record_class", "proposed_by", "rejected_by")
        .annotate(
            item_count=_items_per_batch(),
            approval_count=_count_per_batch(DisposalApproval),
        )
        .order_by("-proposed_at", "-pk")
    )


def disposal_batch_items(batch: DisposalBatch) -> QuerySet[DisposalItem]:
    return (
        DisposalItem.objects.filter(batch=batch)
        .select_related("record__chat", "record__record_class")
        .order_by("pk")
    )


def disposal_batch_item_counts(batch: DisposalBatch) -> dict[str, int]:
    """The batch's items by status (statuses it has, in status order), from its summary rows."""
    rows = (
        DisposalBatchSummary.objects.filter(batch=batch)
        .order_by("status")
        .values("status")
        .annotate(n=Sum("items"))
        .filter(n__gt=0)
    )
    return {row["status"]: row["n"] for row in rows}


def disposal_certificates_list() -> QuerySet[DisposalCertificate]:
    return DisposalCertificate.objects.select_related("batch", "batch__record_class")
