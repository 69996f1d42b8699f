"""Proposing and reviewing disposal batches (see retention.services.disposal for the
invariants): build, approve, reject, exclude an item."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, IntegerField, Value
from django.utils import timezone

from audit.services import audit_event_record
from core.batching import chunks_process
from core.db import any_of, rows_insert_from_select, tables_analyze_after_bulk
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from records.models import Record, RecordClass
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalItem,
    ItemStatus,
)
from retention.rules import approvals_counted, approvals_required
from retention.selectors import disposal_action_expression, records_due_for_disposal

ITEM_INSERT_BATCH = 5000
# A rejected batch's records are not proposed again before this many days.
REJECTED_REVIEW_DAYS = 90


# --- proposing -----------------------------------------------------------------------------


def disposal_batches_build(
    *, now: datetime, proposed_by: User | None = None
) -> list[DisposalBatch]:
    """Proposes one batch per (record class, jurisdiction, action) of due, unheld records not
    yet proposed. Idempotent: a second run finds those records already in open batches. The
    batch is stamped with the real time; `now` only decides what is due (and is `as_of`)."""
    required = _approvals_in_force()
    with transaction.atomic():
        stamp = timezone.now()
        # Lock the candidates so two concurrent builds never propose the same record twice.
        due = list(
            records_due_for_disposal(now=now)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("pk")
            .annotate(disposal_action=disposal_action_expression())
            .values_list("pk", "record_class_id", "jurisdiction", "disposal_action")
        )
        groups: dict[tuple[int, str, str], list[int]] = {}
        for pk, class_id, jurisdiction, action in due:
            groups.setdefault((class_id, jurisdiction, action), []).append(pk)
        batches = []
        codes = dict(RecordClass.objects.values_list("pk", "code"))
        for (class_id, jurisdiction, action), record_ids in sorted(groups.items()):
            batch = DisposalBatch(
                record_class_id=class_id,
                jurisdiction=jurisdiction,
                action=action,
                proposed_at=stamp,
                proposed_by=proposed_by,
                required_approvals=required,
            )
            history_note(batch, user=proposed_by)
            batch.save()
            items_insert(batch, record_ids)
            audit_event_record(
                actor=proposed_by,
                action="disposal.proposed",
                target=batch,
                data={
                    "record_class": codes[class_id],
                    "jurisdiction": jurisdiction,
                    "action": action,
                    "items": len(record_ids),
                },
                as_of=now,
            )
            batches.append(batch)
        tables_analyze_after_bulk([DisposalItem], len(due))
    return batches


def items_insert(batch: DisposalBatch, record_ids: list[int]) -> None:
    """INSERT … SELECT of the pending items (a batch can hold 100,000 records), in record order."""
    ids = sorted(record_ids)

    def insert(chunk: Sequence[int]) -> None:
        rows_insert_from_select(
            DisposalItem,
            ["batch", "record", "status", "reason"],
            Record.objects.filter(any_of("pk", chunk))
            .order_by("pk")
            .values_list(
                Value(batch.pk, output_field=IntegerField()),
                "pk",
                Value(ItemStatus.PENDING.value, output_field=CharField()),
                Value("", output_field=CharField()),
            ),
        )

    def claim(after: int | None) -> list[int]:
        start = 0 if after is None else ids.index(after) + 1
        return ids[start : start + ITEM_INSERT_BATCH]

    # The caller's transaction holds the batch: one more savepoint per chunk is not needed.
    chunks_process(claim=claim, process=insert, chunk_size=ITEM_INSERT_BATCH, atomic=False)


# --- reviewing -----------------------------------------------------------------------------


def _batch_locked(batch: DisposalBatch) -> DisposalBatch:
    return DisposalBatch.objects.select_for_update().get(pk=batch.pk)


def _approvals_in_force() -> int:
    return max(1, int(settings.DISPOSAL_REQUIRED_APPROVALS))


def _approvals_short(batch: DisposalBatch) -> bool:
    approvals, required = approvals_status(batch)
    return approvals < required


def approvals_status(batch: DisposalBatch) -> tuple[int, int]:
    """(approvals that count, approvals required) under the requirement in force now."""
    required = approvals_required(
        at_proposal=batch.required_approvals, in_force=_approvals_in_force()
    )
    counted = approvals_counted(
        approver_ids=batch.approvals.values_list("approver_id", flat=True),
        proposer_id=batch.proposed_by_id,
        required=required,
    )
    return counted, required


@transaction.atomic
def disposal_batch_approve(
    *, batch: DisposalBatch, approver: User, now: datetime | None = None
) -> DisposalBatch:
    batch = _batch_locked(batch)
    # An approved batch short of approvals under a raised requirement may take another one.
    short = batch.state == BatchState.APPROVED and _approvals_short(batch)
    if batch.state != BatchState.PROPOSED and not short:
        raise ConflictError(
            f"Only a proposed batch can be approved; this one is {batch.state}",
            extra={"batch": batch.pk, "state": batch.state},
        )
    # The requirement in force now applies when it is higher than the one the batch was built
    # under; the batch keeps the higher one.
    required = approvals_required(
        at_proposal=batch.required_approvals, in_force=_approvals_in_force()
    )
    if required != batch.required_approvals:
        batch.required_approvals = required
        history_note(batch, user=approver)
        batch.save(update_fields=["required_approvals"])
    if batch.required_approvals >= 2 and batch.proposed_by_id == approver.pk:
        raise ApplicationError(
            "Four-eyes rule: the proposer of a batch cannot approve it",
            extra={"batch": batch.pk},
        )
    if batch.approvals.filter(approver_id=approver.pk).exists():
        raise ConflictError(
            "You already approved this batch; another records manager must approve it",
            extra={"batch": batch.pk},
        )
    moment = now or timezone.now()
    DisposalApproval.objects.create(batch=batch, approver=approver, approved_at=moment)
    approvals, _ = approvals_status(batch)
    if approvals >= batch.required_approvals:
        batch.state, batch.approved_at = BatchState.APPROVED, moment
        history_note(batch, user=approver)
        batch.save(update_fields=["state", "approved_at"])
    audit_event_record(
        actor=approver,
        action="disposal.approved",
        target=batch,
        data={"approvals": approvals, "required": batch.required_approvals, "state": batch.state},
    )
    return batch


@transaction.atomic
def disposal_batch_reject(
    *, batch: DisposalBatch, rejected_by: User, reason: str, now: datetime | None = None
) -> DisposalBatch:
    if not reason.strip():
        raise ApplicationError("Rejecting a batch needs a reason", extra={"field": "reason"})
    batch = _batch_locked(batch)
    if batch.state not in (BatchState.PROPOSED, BatchState.APPROVED):
        raise ConflictError(
            f"A batch that is {batch.state} cannot be rejected",
            extra={"batch": batch.pk, "state": batch.state},
        )
    moment = now or timezone.now()
    batch.state, batch.rejected_at, batch.rejected_by, batch.rejection_reason = (
        BatchState.REJECTED,
        moment,
        rejected_by,
        reason.strip(),
    )
    history_note(batch, user=rejected_by, reason=reason)
    batch.save(update_fields=["state", "rejected_at", "rejected_by", "rejection_reason"])
    record_ids = list(
        batch.items.filter(status=ItemStatus.PENDING).values_list("record_id", flat=True)
    )
    Record.objects.filter(pk__in=record_ids).update(
        review_at=moment + timedelta(days=REJECTED_REVIEW_DAYS)
    )
    audit_event_record(
        actor=rejected_by,
        action="disposal.rejected",
        target=batch,
        data={"reason": reason.strip(), "items": len(record_ids)},
    )
    return batch


@transaction.atomic
def disposal_item_exclude(
    *,
    batch: DisposalBatch,
    record_id: int,
    excluded_by: User,
    reason: str,
    review_at: datetime,
    now: datetime | None = None,
) -> DisposalItem:
    """Takes one record out of a batch with a reason and the date it is to be reviewed again."""
    if not reason.strip():
        raise ApplicationError("Excluding an item needs a reason", extra={"field": "reason"})
    moment = now or timezone.now()
    if review_at <= moment:
        raise ApplicationError("review_at must be in the future", extra={"field": "review_at"})
    batch = _batch_locked(batch)
    if batch.state not in (BatchState.PROPOSED, BatchState.APPROVED):
        raise ConflictError(
            f"Items of a batch that is {batch.state} cannot be excluded",
            extra={"batch": batch.pk, "state": batch.state},
        )
    item = batch.items.select_for_update().filter(record_id=record_id).first()
    if item is None:
        raise ApplicationError("That record is not in this batch", extra={"record": record_id})
    if item.status != ItemStatus.PENDING:
        raise ConflictError(f"That item is already {item.status}", extra={"record": record_id})
    item.status, item.reason, item.review_at, item.processed_at = (
        ItemStatus.EXCLUDED,
        reason.strip(),
        review_at,
        moment,
    )
    item.save(update_fields=["status", "reason", "review_at", "processed_at"])
    record = Record.objects.get(pk=record_id)
    record.review_at = review_at
    history_note(record, user=excluded_by, reason=f"excluded from batch {batch.pk}")
    record.save(update_fields=["review_at"])
    audit_event_record(
        actor=excluded_by,
        action="disposal.item_excluded",
        target=batch,
        data={"record": record_id, "reason": reason.strip(), "review_at": review_at},
    )
    return item
