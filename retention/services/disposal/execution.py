"""Executing approved disposal batches, chunk by chunk (see retention.services.disposal for the
invariants)."""

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from core.batching import LockedWorkWait, chunks_process
from core.clock import clock_destruction_moment
from core.db import any_of, parallel_writers, tables_vacuum_after_bulk
from core.exceptions import ApplicationError
from core.history import history_note
from records.models import DispositionAction, Record
from retention.models import (
    BatchState,
    DisposalBatch,
    DisposalItem,
    ItemStatus,
    TransferPackage,
)
from retention.selectors import records_destruction_facts
from retention.services.destruction import records_destroy
from retention.services.disposal.certificates import batch_complete
from retention.services.disposal.eligibility import records_disposal_refusals
from retention.services.disposal.proposal import approvals_status
from retention.services.disposal.summary import ItemsMove, disposal_items_move
from retention.services.disposal.transfer import transfer_failure_record, transfer_package_ensure

logger = logging.getLogger(__name__)

DISPOSAL_CHUNK_SIZE = 1000


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


def _items_claim(batch: DisposalBatch, chunk_size: int) -> list[tuple[int, int]]:
    # LIMIT without OFFSET: processed items leave the pending set.
    return list(
        DisposalItem.objects.filter(batch=batch, status=ItemStatus.PENDING)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("record_id", "pk")[:chunk_size]
    )


def _items_execute(
    batch: DisposalBatch,
    claimed: Sequence[tuple[int, int]],
    *,
    now: datetime,
    approvers: list[str],
    package: TransferPackage | None = None,
) -> dict[str, int]:
    """Re-checks and destroys one claimed chunk (inside the claim's transaction)."""
    counts: dict[str, int] = {}
    due_at = clock_destruction_moment(now)
    stamp = timezone.now()
    item_of_record = dict(claimed)
    candidates, not_eligible = records_disposal_refusals(
        list(item_of_record), batch_action=batch.action, due_at=due_at
    )
    held_unpackaged: list[int] = []
    if package is not None:
        # A transfer destroys only what its validated package carries (a record held when it
        # was written is not in it, and is skipped as held).
        packaged = set(package.record_ids)
        outside = [r for r in candidates if r not in packaged]
        facts = records_destruction_facts(
            outside, legal_holds=False, exclusions=False, blocks=False
        )
        for record_id in outside:
            candidates.remove(record_id)
            if record_id in facts and facts[record_id].is_held:
                held_unpackaged.append(record_id)
            else:
                not_eligible[record_id] = "not in the transfer package"
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
        (ItemStatus.SKIPPED_HELD, [*result.held, *held_unpackaged], "held at execution"),
    ]
    for record_id in [*result.not_live]:
        not_eligible.setdefault(record_id, "record no longer live")
    # One move per distinct reason (a handful), not one per item.
    by_reason: dict[str, list[int]] = {}
    for record_id, why in not_eligible.items():
        by_reason.setdefault(why, []).append(record_id)
    updates += [(ItemStatus.SKIPPED_NOT_DUE, ids, why) for why, ids in by_reason.items()]
    moves = [
        ItemsMove(
            items=any_of("pk", [item_of_record[r] for r in record_ids]),
            status=status,
            fields={"reason": reason, "processed_at": stamp},
        )
        for status, record_ids, reason in updates
        if record_ids
    ]
    # The claimed items are pending and locked by this transaction: all of them move.
    for status, n in disposal_items_move(moves).items():
        counts[status] = counts.get(status, 0) + n
    return counts


def disposal_workers_default() -> int:
    """DISPOSAL_WORKERS; disposal_batch_execute uses one on SQLite (a single writer)."""
    return max(1, settings.DISPOSAL_WORKERS)


def _execute_chunks(
    batch: DisposalBatch,
    *,
    now: datetime,
    chunk_size: int,
    approvers: list[str],
    own: bool,
    package: TransferPackage | None = None,
) -> ExecutionSummary:
    """Executes chunks until none is left to claim, each chunk its own transaction. `own`: runs
    in a worker thread, whose connection is its own and is closed at the end."""
    summary = ExecutionSummary()
    wait = LockedWorkWait(label=f"disposal batch {batch.pk}")
    pending = DisposalItem.objects.filter(batch=batch, status=ItemStatus.PENDING)
    try:
        while True:
            run = chunks_process(
                claim=lambda _after: _items_claim(batch, chunk_size),
                process=lambda claimed: summary.add_counts(
                    _items_execute(batch, claimed, now=now, approvers=approvers, package=package)
                ),
                chunk_size=chunk_size,
                label=f"disposal batch {batch.pk}",
            )
            if run.items:
                wait.progress()
            # Items another connection holds: wait until it commits them or its lease expires.
            if not wait.again(pending.exists()):
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
        approvals, required = approvals_status(batch)
        if approvals >= required:
            return False
        batch.state, batch.required_approvals, batch.approved_at = (
            BatchState.PROPOSED,
            required,
            None,
        )
        history_note(batch, reason="approvals required raised")
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
    workers = parallel_writers(workers)
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
    package = None
    if batch.action == DispositionAction.TRANSFER:
        # Package, validate, and only then destroy (SPEC §4.2); a failure destroys nothing and
        # leaves the batch executing, so a later run retries (reusing a valid package).
        try:
            package = transfer_package_ensure(batch, now=now)
        except ApplicationError as error:
            transfer_failure_record(batch, error=error.message, now=now)
            summary.messages.append(f"batch {batch_id} not executed: {error.message}")
            return summary
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
                    package=package,
                )
                for _ in range(workers)
            ]
            parts = [future.result() for future in futures]
    else:
        parts = [
            _execute_chunks(
                batch,
                now=now,
                chunk_size=chunk_size,
                approvers=approvers,
                own=False,
                package=package,
            )
        ]
    for part in parts:
        summary.add_counts(part.counts)
    certificate = batch_complete(batch_id, now)
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
    # Each destroyed or anonymised record rewrote its record's and its chat's row.
    rewritten = sum(total.counts.get(s, 0) for s in (ItemStatus.DESTROYED, ItemStatus.ANONYMIZED))
    tables_vacuum_after_bulk([Chat, Record], rewritten)
    return total
