"""Disposal batches: propose, review, execute, certify (R-DISP-1…5).

Invariants:
- A record is in at most one pending item of an open batch (records are locked while proposed).
- A batch executes only once approved by as many distinct records managers as the higher of
  `required_approvals` (DISPOSAL_REQUIRED_APPROVALS when proposed) and the setting in force at
  approval and at execution (retention.rules.approvals_required); with two or more required,
  the proposer may not approve and a proposer's earlier approval does not count (four-eyes).
  A batch found short of approvals at execution goes back to `proposed` (audited, reported)
  and destroys nothing. Job-built batches have no proposer.
- Execution: the batch moves approved → executing by compare-and-set; then chunk by chunk,
  each chunk its own transaction, pending items are claimed with select_for_update(skip_locked)
  and re-checked (due, live, schedule, action, holds, blocks such as an unknown country or a
  pending QA review: retention.selectors.record_ids_blocked) before destruction. Due-ness is
  decided as of `clock_destruction_moment(now)`, never later than the real clock unless the
  simulated clock is allowed, whatever moment the batch was built at. A kill
  loses at most the open chunk, which rolls back; a re-run continues with the pending items.
- Several workers (threads, each with its own connection) may execute one batch at once: the
  skip-locked claim gives each a different chunk (DISPOSAL_WORKERS, PostgreSQL only).
- When no item is pending, the batch becomes completed together with its certificate in one
  transaction; completed batches are never executed again.
- Evidence is stamped with the real clock (execution start, items, completion, certificate);
  the evaluation moment `now` is recorded beside it as `as_of` when it differs.
"""

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone

from audit.services import audit_event_record
from core.clock import clock_as_of, clock_destruction_moment
from core.db import sql_any_of, tables_analyze_after_bulk
from core.exceptions import ApplicationError, ConflictError
from records.models import DispositionAction, Record, RecordClass, RecordStatus
from records.rules import ACTION_RETAIN, ACTION_REVIEW, record_disposal_action
from retention.models import (
    OPEN_BATCH_STATES,
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalCertificate,
    DisposalItem,
    ItemStatus,
    Tombstone,
)
from retention.rules import approvals_counted, approvals_required
from retention.selectors import (
    disposal_action_expression,
    record_ids_blocked,
    record_ids_held,
    records_due_for_disposal,
)
from retention.services.destruction import LIVE_STATUSES, DestructionResult, records_destroy

logger = logging.getLogger(__name__)

DISPOSAL_CHUNK_SIZE = 1000
ITEM_INSERT_BATCH = 5000
# A rejected batch's records are not proposed again before this many days.
REJECTED_REVIEW_DAYS = 90
GENESIS_HASH = "0" * 64


@dataclass
class ExecutionSummary:
    batches: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Batches found short of approvals under the requirement in force (sent back to proposed).
    awaiting_approval: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def add_counts(self, counts: dict[str, int]) -> None:
        for status, n in counts.items():
            if n:
                self.counts[status] = self.counts.get(status, 0) + n


def _approver_names(batch: DisposalBatch) -> list[str]:
    return [a.approver.get_username() for a in batch.approvals.select_related("approver")]


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
            batch._history_user = proposed_by  # type: ignore[attr-defined]
            batch.save()
            _items_insert(batch, record_ids)
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


def _items_insert(batch: DisposalBatch, record_ids: list[int]) -> None:
    """INSERT … SELECT of the pending items (a batch can hold 100,000 records)."""
    table = connection.ops.quote_name(DisposalItem._meta.db_table)
    for start in range(0, len(record_ids), ITEM_INSERT_BATCH):
        chunk = record_ids[start : start + ITEM_INSERT_BATCH]
        condition, params = sql_any_of("id", chunk, connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (batch_id, record_id, status, reason) "  # noqa: S608
                f"SELECT %s, id, %s, '' FROM {connection.ops.quote_name(Record._meta.db_table)} "
                f"WHERE {condition} ORDER BY id",
                [batch.pk, ItemStatus.PENDING.value, *params],
            )


# --- reviewing -----------------------------------------------------------------------------


def _batch_locked(batch: DisposalBatch) -> DisposalBatch:
    return DisposalBatch.objects.select_for_update().get(pk=batch.pk)


def _approvals_in_force() -> int:
    return max(1, int(settings.DISPOSAL_REQUIRED_APPROVALS))


def _approvals_short(batch: DisposalBatch) -> bool:
    approvals, required = _approvals_status(batch)
    return approvals < required


def _approvals_status(batch: DisposalBatch) -> tuple[int, int]:
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
        batch._history_user = approver  # type: ignore[attr-defined]
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
    approvals, _ = _approvals_status(batch)
    if approvals >= batch.required_approvals:
        batch.state, batch.approved_at = BatchState.APPROVED, moment
        batch._history_user = approver  # type: ignore[attr-defined]
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
    batch._history_user = rejected_by  # type: ignore[attr-defined]
    batch._change_reason = reason.strip()[:100]  # type: ignore[attr-defined]
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
    record._history_user = excluded_by  # type: ignore[attr-defined]
    record._change_reason = f"excluded from batch {batch.pk}"  # type: ignore[attr-defined]
    record.save(update_fields=["review_at"])
    audit_event_record(
        actor=excluded_by,
        action="disposal.item_excluded",
        target=batch,
        data={"record": record_id, "reason": reason.strip(), "review_at": review_at},
    )
    return item


# --- executing -----------------------------------------------------------------------------


class _Candidate(NamedTuple):
    pk: int
    status: str
    schedule_id: int | None
    disposition_due: datetime | None
    schedule_action: str | None
    review_decision: str


def _eligible(record: _Candidate, batch: DisposalBatch, now: datetime) -> str | None:
    """None when the record may be disposed as of `now`; otherwise why not (fail closed). Blocks
    (unknown country, pending QA review) are checked by record_ids_blocked."""
    if record.status != RecordStatus.ACTIVE:
        return f"record is {record.status}"
    if record.schedule_action == ACTION_RETAIN:
        return "kept permanently"
    if record.schedule_id is None or record.disposition_due is None:
        return "no retention schedule"
    if record.disposition_due > now:
        return "not due"
    action = record_disposal_action(record.schedule_action, record.review_decision)
    if action is None and record.schedule_action == ACTION_REVIEW:
        return "review: no records manager decided to destroy it"
    if action != batch.action:
        return "disposition action changed"
    return None


def _execute_chunk(
    batch: DisposalBatch, *, now: datetime, chunk_size: int, approvers: list[str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    due_at = clock_destruction_moment(now)
    with transaction.atomic():
        stamp = timezone.now()
        # LIMIT without OFFSET: processed items leave the pending set.
        item_of_record = dict(
            DisposalItem.objects.filter(batch=batch, status=ItemStatus.PENDING)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("record_id", "pk")[:chunk_size]
        )
        if not item_of_record:
            return counts
        records = {
            row[0]: _Candidate(*row)
            for row in Record.objects.filter(pk__any_of=list(item_of_record))
            .select_for_update(of=("self",))
            .values_list(
                "pk",
                "status",
                "schedule_id",
                "disposition_due",
                "schedule__action",
                "review_decision",
            )
        }
        not_eligible: dict[int, str] = record_ids_blocked(list(item_of_record))
        candidates = []
        for record_id in item_of_record:
            why = not_eligible.get(record_id) or _eligible(records[record_id], batch, due_at)
            if why is None:
                candidates.append(record_id)
            else:
                not_eligible[record_id] = why
        result = records_destroy(
            record_ids=candidates,
            now=now,
            reason=f"disposal batch {batch.pk}",
            action=batch.action,
            batch=batch,
            approvers=approvers,
        )
        for record_id in result.not_redacted:
            not_eligible[record_id] = "no redacted layer to keep"
        done_status = (
            ItemStatus.ANONYMIZED
            if batch.action == DispositionAction.ANONYMIZE
            else ItemStatus.DESTROYED
        )
        updates = [
            (done_status, result.destroyed, ""),
            (ItemStatus.SKIPPED_HELD, result.held, "held at execution"),
        ]
        for status, record_ids, reason in updates:
            if record_ids:
                DisposalItem.objects.filter(
                    pk__any_of=[item_of_record[r] for r in record_ids]
                ).update(status=status, reason=reason, processed_at=stamp)
                counts[status] = counts.get(status, 0) + len(record_ids)
        for record_id in [*result.not_live]:
            not_eligible.setdefault(record_id, "record no longer live")
        for record_id, why in not_eligible.items():
            DisposalItem.objects.filter(pk=item_of_record[record_id]).update(
                status=ItemStatus.SKIPPED_NOT_DUE, reason=why, processed_at=stamp
            )
        if not_eligible:
            counts[ItemStatus.SKIPPED_NOT_DUE] = len(not_eligible)
    return counts


def _certificate_payload(
    batch: DisposalBatch, stamp: datetime, as_of: datetime | None
) -> dict[str, Any]:
    """The certified content. `completed_at` is the real time; `as_of` (only when the job was
    evaluated at another moment) is part of the hashed payload, so older certificates, which
    lack it, verify unchanged."""
    items = list(
        batch.items.order_by("pk").values_list(
            "record_id", "record__chat__source", "record__chat__external_id", "status", "reason"
        )
    )
    hashes = dict(
        Tombstone.objects.filter(batch=batch).values_list("record_id_value", "content_sha256")
    )
    counts: dict[str, int] = {}
    for item in items:
        counts[item[3]] = counts.get(item[3], 0) + 1
    payload: dict[str, Any] = {
        "batch": batch.pk,
        "record_class": batch.record_class.code,
        "jurisdiction": batch.jurisdiction,
        "action": batch.action,
        "proposed_at": batch.proposed_at,
        "proposed_by": batch.proposed_by.get_username() if batch.proposed_by else "system",
        "approvals": [
            {"approver": a.approver.get_username(), "approved_at": a.approved_at}
            for a in batch.approvals.select_related("approver")
        ],
        "execution_started_at": batch.execution_started_at,
        "completed_at": stamp,
        "counts": counts,
        "items": [
            {
                "record": record_id,
                "source": source,
                "external_id": external_id,
                "status": status,
                "reason": reason,
                "content_sha256": hashes.get(record_id, ""),
            }
            for record_id, source, external_id, status, reason in items
        ],
    }
    if as_of is not None:
        payload["as_of"] = as_of
    return payload


def certificate_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def _batch_complete(batch_id: int, now: datetime) -> DisposalCertificate | None:
    with transaction.atomic():
        batch = (
            DisposalBatch.objects.select_for_update(of=("self",))
            .select_related("record_class", "proposed_by")
            .get(pk=batch_id)
        )
        if batch.state != BatchState.EXECUTING:
            return None
        if batch.items.filter(status=ItemStatus.PENDING).exists():
            return None
        last = DisposalCertificate.objects.select_for_update().order_by("-sequence").first()
        stamp, as_of = timezone.now(), clock_as_of(now)
        payload = json.loads(
            json.dumps(_certificate_payload(batch, stamp, as_of), cls=DjangoJSONEncoder)
        )
        previous = last.hash if last else GENESIS_HASH
        certificate = DisposalCertificate.objects.create(
            batch=batch,
            sequence=(last.sequence + 1) if last else 1,
            issued_at=stamp,
            as_of=as_of,
            payload=payload,
            previous_hash=previous,
            hash=certificate_hash(previous, payload),
        )
        batch.state, batch.completed_at = BatchState.COMPLETED, stamp
        batch.save(update_fields=["state", "completed_at"])
        audit_event_record(
            actor=None,
            action="disposal.completed",
            target=batch,
            data={
                "certificate": certificate.pk,
                "hash": certificate.hash,
                "counts": payload["counts"],
            },
            as_of=now,
        )
        return certificate


@dataclass
class CertifiedDestruction(DestructionResult):
    certificates: dict[int, int] = field(default_factory=dict)  # record id → certificate id


def records_destroy_certified(
    *, record_ids: Iterable[int], now: datetime, reason: str, actor: User
) -> CertifiedDestruction:
    """Destroys live, unheld records outside the build/approve cycle (a data-subject erasure the
    caller has decided) exactly like a disposal: per record class and jurisdiction a batch
    proposed and approved by `actor`, executed through records_destroy (tombstones, holds
    re-checked under lock) and completed with its chained certificate, in one transaction."""
    ids = sorted(set(record_ids))
    result = CertifiedDestruction()
    if not ids:
        return result
    with transaction.atomic():
        rows = list(
            Record.objects.filter(pk__any_of=ids, status__in=LIVE_STATUSES)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "record_class_id", "jurisdiction")
        )
        live = {pk for pk, _, _ in rows}
        result.not_live = [pk for pk in ids if pk not in live]
        held = record_ids_held(live)
        result.held = sorted(held)
        groups: dict[tuple[int, str], list[int]] = {}
        for pk, class_id, jurisdiction in rows:
            if pk not in held:
                groups.setdefault((class_id, jurisdiction), []).append(pk)
        approver = [actor.get_username()]
        for (class_id, jurisdiction), group in sorted(groups.items()):
            batch = DisposalBatch(
                record_class_id=class_id,
                jurisdiction=jurisdiction,
                action=DispositionAction.DESTROY,
                state=BatchState.EXECUTING,
                proposed_at=now,
                proposed_by=actor,
                required_approvals=1,
                approved_at=now,
                execution_started_at=now,
            )
            batch._history_user = actor  # type: ignore[attr-defined]
            batch._change_reason = reason[:100]  # type: ignore[attr-defined]
            batch.save()
            DisposalApproval.objects.create(batch=batch, approver=actor, approved_at=now)
            _items_insert(batch, group)
            part = records_destroy(
                record_ids=group,
                now=now,
                reason=reason,
                batch=batch,
                approvers=approver,
                actor=actor,
            )
            outcomes = [
                (ItemStatus.DESTROYED, part.destroyed, reason),
                (ItemStatus.SKIPPED_HELD, part.held, "held at execution"),
                (ItemStatus.SKIPPED_NOT_DUE, part.not_live, "record no longer live"),
            ]
            for status, done, why in outcomes:
                if done:
                    DisposalItem.objects.filter(batch=batch, record_id__in=done).update(
                        status=status, reason=why[:255], processed_at=now
                    )
            certificate = _batch_complete(batch.pk, now)
            result.destroyed += part.destroyed
            result.held += part.held
            result.not_live += part.not_live
            if certificate is not None:
                result.certificates.update(dict.fromkeys(part.destroyed, certificate.pk))
    return result


def disposal_workers_default() -> int:
    """DISPOSAL_WORKERS; disposal_batch_execute uses one on SQLite (a single writer)."""
    return max(1, settings.DISPOSAL_WORKERS)


def _execute_chunks(
    batch: DisposalBatch, *, now: datetime, chunk_size: int, approvers: list[str], own: bool
) -> ExecutionSummary:
    """Executes chunks until none is left to claim. `own`: runs in a worker thread, whose
    connection is its own and is closed at the end."""
    summary = ExecutionSummary()
    try:
        while True:
            counts = _execute_chunk(batch, now=now, chunk_size=chunk_size, approvers=approvers)
            summary.add_counts(counts)
            if sum(counts.values()) < chunk_size:
                return summary
    finally:
        if own:
            connections.close_all()


def _batch_short_of_approvals(batch_id: int, *, now: datetime, summary: ExecutionSummary) -> bool:
    """True when an approved (or interrupted) batch lacks approvals under the requirement in
    force: it goes back to `proposed`, keeps the higher requirement and waits for another
    approval (audited and reported). Nothing of it is destroyed."""
    with transaction.atomic():
        batch = (
            DisposalBatch.objects.select_for_update()
            .filter(pk=batch_id, state__in=(BatchState.APPROVED, BatchState.EXECUTING))
            .first()
        )
        if batch is None:
            return False
        approvals, required = _approvals_status(batch)
        if approvals >= required:
            return False
        batch.state, batch.required_approvals, batch.approved_at = (
            BatchState.PROPOSED,
            required,
            None,
        )
        batch._change_reason = "approvals required raised"  # type: ignore[attr-defined]
        batch.save(update_fields=["state", "required_approvals", "approved_at"])
        audit_event_record(
            actor=None,
            action="disposal.awaiting_approval",
            target=batch,
            data={"approvals": approvals, "required": required},
            as_of=now,
        )
    summary.awaiting_approval.append(batch_id)
    summary.messages.append(
        f"batch {batch_id} not executed: {approvals} of {required} approvals under "
        "DISPOSAL_REQUIRED_APPROVALS in force; it waits for another approval"
    )
    return True


def disposal_batch_execute(
    *,
    batch_id: int,
    now: datetime,
    chunk_size: int = DISPOSAL_CHUNK_SIZE,
    workers: int = 1,
) -> ExecutionSummary:
    """Executes one approved (or interrupted) batch to completion, on `workers` connections
    at once (PostgreSQL; one elsewhere). Safe to re-run."""
    if connection.vendor != "postgresql":
        workers = 1
    summary = ExecutionSummary(batches=[batch_id])
    if _batch_short_of_approvals(batch_id, now=now, summary=summary):
        return summary
    with transaction.atomic():
        started = DisposalBatch.objects.filter(pk=batch_id, state=BatchState.APPROVED).update(
            state=BatchState.EXECUTING, execution_started_at=timezone.now()
        )
        if started:
            audit_event_record(
                actor=None,
                action="disposal.started",
                target_type="retention.disposalbatch",
                target_id=batch_id,
                data={},
                as_of=now,
            )
    batch = DisposalBatch.objects.select_related("record_class").get(pk=batch_id)
    if batch.state != BatchState.EXECUTING:
        return summary
    approvers = _approver_names(batch)
    clock = time.monotonic()
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    _execute_chunks,
                    batch,
                    now=now,
                    chunk_size=chunk_size,
                    approvers=approvers,
                    own=True,
                )
                for _ in range(workers)
            ]
            parts = [future.result() for future in futures]
    else:
        parts = [
            _execute_chunks(batch, now=now, chunk_size=chunk_size, approvers=approvers, own=False)
        ]
    for part in parts:
        summary.add_counts(part.counts)
    certificate = _batch_complete(batch_id, now)
    if certificate is not None:
        summary.completed.append(batch_id)
    logger.info(
        "disposal batch %s: %s in %.2fs", batch_id, summary.counts, time.monotonic() - clock
    )
    return summary


def disposal_batches_execute(
    *, now: datetime, chunk_size: int = DISPOSAL_CHUNK_SIZE, workers: int | None = None
) -> ExecutionSummary:
    """Executes every approved or interrupted batch; `workers` defaults to
    disposal_workers_default()."""
    workers = disposal_workers_default() if workers is None else workers
    total = ExecutionSummary()
    batch_ids = list(
        DisposalBatch.objects.filter(state__in=(BatchState.APPROVED, BatchState.EXECUTING))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for batch_id in batch_ids:
        summary = disposal_batch_execute(
            batch_id=batch_id, now=now, chunk_size=chunk_size, workers=workers
        )
        total.batches.append(batch_id)
        total.completed.extend(summary.completed)
        total.awaiting_approval.extend(summary.awaiting_approval)
        total.messages.extend(summary.messages)
        total.add_counts(summary.counts)
    return total


def open_batch_counts() -> dict[str, int]:
    rows = (
        DisposalBatch.objects.filter(state__in=OPEN_BATCH_STATES)
        .values("state")
        .annotate(n=Count("pk"))
    )
    return {row["state"]: row["n"] for row in rows}
