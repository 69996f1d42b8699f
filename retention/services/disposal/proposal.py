"""Proposing and reviewing disposal batches (see retention.services.disposal for the
invariants): build, approve, reject, exclude items. A batch of a class with a disposition
policy is reviewed stage by stage (retention.services.disposal.stages)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, IntegerField, Q, Value
from django.utils import timezone

from audit.services import audit_event_record
from core.batching import chunks_process
from core.db import any_of, history_copy, rows_insert_from_select, tables_analyze_after_bulk
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from records.models import Record, RecordClass
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalBatchStage,
    DisposalItem,
    ItemStatus,
)
from retention.rules import approvals_counted, approvals_required
from retention.selectors import disposal_action_expression, records_due_for_disposal
from retention.services.disposal.stages import (
    batch_stages_create,
    disposal_batch_stage_approve,
    disposition_stages_by_class,
    stage_reviewer_require,
    staged_approvals_status,
)
from retention.services.disposal.summary import (
    ItemsMove,
    chat_year,
    disposal_items_move,
    summary_write,
)

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
        policies = disposition_stages_by_class({class_id for class_id, _, _ in groups})
        for (class_id, jurisdiction, action), record_ids in sorted(groups.items()):
            batch = DisposalBatch(
                record_class_id=class_id,
                jurisdiction=jurisdiction,
                action=action,
                proposed_at=stamp,
                proposed_by=proposed_by,
                required_approvals=max(required, len(policies.get(class_id, ()))),
            )
            history_note(batch, user=proposed_by)
            batch.save()
            if class_id in policies:
                batch_stages_create(batch, policies[class_id], stamp=stamp)
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
                    "stages": [stage.name for stage in policies.get(class_id, ())],
                },
                as_of=now,
            )
            batches.append(batch)
        tables_analyze_after_bulk([DisposalItem], len(due))
    return batches


def items_insert(batch: DisposalBatch, record_ids: list[int]) -> None:
    """INSERT … SELECT of the pending items (a batch can hold 100,000 records), in record order,
    then of the batch's summary rows (retention.services.disposal.summary)."""
    ids = sorted(record_ids)

    def insert(chunk: Sequence[int]) -> None:
        rows_insert_from_select(
            DisposalItem,
            ["batch", "record", "status", "reason", "group_class", "group_country", "group_year"],
            Record.objects.filter(any_of("pk", chunk))
            .order_by("pk")
            .values_list(
                Value(batch.pk, output_field=IntegerField()),
                "pk",
                Value(ItemStatus.PENDING.value, output_field=CharField()),
                Value("", output_field=CharField()),
                "record_class_id",
                "chat__country",
                chat_year("chat__started_at"),
            ),
        )

    def claim(after: int | None) -> list[int]:
        start = 0 if after is None else ids.index(after) + 1
        return ids[start : start + ITEM_INSERT_BATCH]

    # The caller's transaction holds the batch: one more savepoint per chunk is not needed.
    chunks_process(claim=claim, process=insert, chunk_size=ITEM_INSERT_BATCH, atomic=False)
    summary_write(batch)


# --- reviewing -----------------------------------------------------------------------------


def _batch_locked(batch: DisposalBatch) -> DisposalBatch:
    return DisposalBatch.objects.select_for_update().get(pk=batch.pk)


def _approvals_in_force() -> int:
    return max(1, int(settings.DISPOSAL_REQUIRED_APPROVALS))


def _approvals_short(batch: DisposalBatch) -> bool:
    approvals, required = approvals_status(batch)
    return approvals < required


def approvals_status(batch: DisposalBatch) -> tuple[int, int]:
    """(approvals that count, approvals required) under the requirement in force now (for a
    staged batch: at least one per stage, never the proposer's)."""
    stage_count = batch.stages.count()
    if stage_count:
        return staged_approvals_status(
            batch, in_force=_approvals_in_force(), stage_count=stage_count
        )
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
    *,
    batch: DisposalBatch,
    approver: User,
    now: datetime | None = None,
    stage: int | None = None,
) -> DisposalBatch:
    """Approves a batch, or for a staged batch the stage under review (`stage`: the stage the
    reviewer saw, so a replay or a stale page approves nothing else)."""
    batch = _batch_locked(batch)
    if batch.stages.exists():
        return disposal_batch_stage_approve(
            batch=batch,
            approver=approver,
            moment=now or timezone.now(),
            in_force=_approvals_in_force(),
            stage_position=stage,
        )
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
    stage = stage_reviewer_require(batch, rejected_by, doing="reject")
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
        data={
            "reason": reason.strip(),
            "items": len(record_ids),
            **({"stage": stage.position, "stage_name": stage.name} if stage else {}),
        },
    )
    return batch


def _exclusion_allowed(
    batch: DisposalBatch,
    *,
    excluded_by: User,
    reason: str,
    review_at: datetime,
    now: datetime | None,
    what: str,
) -> tuple[DisposalBatch, DisposalBatchStage | None, datetime]:
    """What both excludes check first: a reason, a review date ahead, a batch still open to
    exclusions (locked), and a reviewer of its stage under review. Returns (the locked batch,
    that stage, the moment)."""
    if not reason.strip():
        raise ApplicationError(f"Excluding {what} needs a reason", extra={"field": "reason"})
    moment = now or timezone.now()
    if review_at <= moment:
        raise ApplicationError("review_at must be in the future", extra={"field": "review_at"})
    batch = _batch_locked(batch)
    if batch.state not in (BatchState.PROPOSED, BatchState.APPROVED):
        raise ConflictError(
            f"Items of a batch that is {batch.state} cannot be excluded",
            extra={"batch": batch.pk, "state": batch.state},
        )
    stage = stage_reviewer_require(batch, excluded_by, doing="send items back from")
    return batch, stage, moment


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
    batch, stage, moment = _exclusion_allowed(
        batch, excluded_by=excluded_by, reason=reason, review_at=review_at, now=now, what="an item"
    )
    item = batch.items.select_for_update().filter(record_id=record_id).first()
    if item is None:
        raise ApplicationError("That record is not in this batch", extra={"record": record_id})
    if item.status != ItemStatus.PENDING:
        raise ConflictError(f"That item is already {item.status}", extra={"record": record_id})
    disposal_items_move(
        [
            ItemsMove(
                items=Q(pk=item.pk),
                status=ItemStatus.EXCLUDED,
                fields={"reason": reason.strip(), "review_at": review_at, "processed_at": moment},
            )
        ]
    )
    item.status, item.reason, item.review_at, item.processed_at = (
        ItemStatus.EXCLUDED,
        reason.strip(),
        review_at,
        moment,
    )
    record = Record.objects.get(pk=record_id)
    record.review_at = review_at
    history_note(record, user=excluded_by, reason=f"excluded from batch {batch.pk}")
    record.save(update_fields=["review_at"])
    audit_event_record(
        actor=excluded_by,
        action="disposal.item_excluded",
        target=batch,
        data={
            "record": record_id,
            "reason": reason.strip(),
            "review_at": review_at,
            **({"stage": stage.position, "stage_name": stage.name} if stage else {}),
        },
    )
    return item


BULK_EXCLUDE_MAX = 1000


@transaction.atomic
def disposal_items_exclude(
    *,
    batch: DisposalBatch,
    record_ids: Sequence[int],
    excluded_by: User,
    reason: str,
    review_at: datetime,
    now: datetime | None = None,
) -> int:
    """Takes several records out of a batch with one reason and one review date (sends them back
    at a staged batch's stage under review). All or nothing: a record that is not a pending item
    of the batch refuses the whole request, naming it. Set-based: a few queries for any number."""
    ids = sorted(set(record_ids))
    if not ids or len(ids) > BULK_EXCLUDE_MAX:
        raise ApplicationError(
            f"Select between 1 and {BULK_EXCLUDE_MAX} records", extra={"field": "records"}
        )
    batch, stage, moment = _exclusion_allowed(
        batch, excluded_by=excluded_by, reason=reason, review_at=review_at, now=now, what="items"
    )
    items = dict(
        batch.items.select_for_update()
        .filter(any_of("record_id", ids))
        .values_list("record_id", "status")
    )
    missing = [pk for pk in ids if pk not in items]
    if missing:
        raise ApplicationError(
            "Some records are not in this batch", extra={"field": "records", "records": missing}
        )
    done = [pk for pk in ids if items[pk] != ItemStatus.PENDING]
    if done:
        raise ConflictError(
            "Some items are no longer pending", extra={"field": "records", "records": done}
        )
    disposal_items_move(
        [
            ItemsMove(
                items=Q(batch=batch) & any_of("record_id", ids),
                status=ItemStatus.EXCLUDED,
                fields={"reason": reason.strip(), "review_at": review_at, "processed_at": moment},
            )
        ]
    )
    Record.objects.filter(any_of("pk", ids)).update(review_at=review_at)
    history_copy(
        Record,
        ids,
        when=moment,
        reason=f"excluded from batch {batch.pk}",
        user_id=excluded_by.pk,
    )
    audit_event_record(
        actor=excluded_by,
        action="disposal.items_excluded",
        target=batch,
        data={
            "records": ids,
            "reason": reason.strip(),
            "review_at": review_at,
            **({"stage": stage.position, "stage_name": stage.name} if stage else {}),
        },
    )
    return len(ids)
