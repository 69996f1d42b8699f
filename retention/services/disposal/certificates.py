"""Completing a disposal batch with its chained certificate, and the certified destruction of
records outside the build/approve cycle (a data-subject erasure) exactly like a disposal.

Each certificate's `hash` covers its payload and the previous certificate's hash (GENESIS_HASH
for the first), so the chain shows any certificate rewritten or removed.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_event_record
from core.clock import clock_as_of
from core.db import any_of
from core.history import history_note
from records.models import DispositionAction, Record
from records.rules import records_live_q
from retention.hooks import HoldQuery
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalCertificate,
    ItemStatus,
    Tombstone,
)
from retention.rules import record_destruction_refusal
from retention.selectors import records_destruction_facts
from retention.services.destruction import DestructionResult, records_destroy
from retention.services.disposal.proposal import items_insert
from retention.services.disposal.summary import ItemsMove, disposal_items_move
from retention.services.disposal.transfer import transfer_certificate_part

GENESIS_HASH = "0" * 64


def _certificate_payload(
    batch: DisposalBatch, stamp: datetime, as_of: datetime | None
) -> dict[str, Any]:
    """The certified content. `completed_at` is the real time; `as_of` (only when the job was
    evaluated at another moment) is part of the hashed payload, so older certificates, which
    lack it, verify unchanged."""
    items = list(
        batch.items.order_by("pk").values_list(
            "record_id",
            "record__chat__source",
            "record__chat__external_id",
            "status",
            "reason",
            "record__trigger",
            "record__trigger_at",
            "record__disposition_due",
            "record__schedule__citation",
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
        # What the batch was disposed of under (issue #16 item 6): the schedules' citations, and
        # per item its trigger and due date. Older certificates lack them and verify unchanged.
        "citations": sorted({item[8] for item in items if item[8]}),
        "items": [
            {
                "record": record_id,
                "source": source,
                "external_id": external_id,
                "status": status,
                "reason": reason,
                "trigger": trigger,
                "trigger_at": trigger_at,
                "disposition_due": due,
                "content_sha256": hashes.get(record_id, ""),
            }
            for record_id, source, external_id, status, reason, trigger, trigger_at, due, _ in items
        ],
    }
    if batch.action == DispositionAction.TRANSFER:
        # A transfer certificate names the package its records went to before destruction.
        payload["transfer"] = transfer_certificate_part(batch)
    if as_of is not None:
        payload["as_of"] = as_of
    return payload


def certificate_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def batch_complete(batch_id: int, now: datetime) -> DisposalCertificate | None:
    """Completes an executing batch with no pending item left, with its certificate, in one
    transaction; None when the batch is not (or not yet) complete."""
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
    *,
    record_ids: Iterable[int],
    now: datetime,
    reason: str,
    actor: User,
    hold: HoldQuery | None = None,
) -> CertifiedDestruction:
    """Destroys live, unheld records outside the build/approve cycle (a data-subject erasure the
    caller has decided) exactly like a disposal: per record class and jurisdiction a batch
    proposed and approved by `actor`, executed through records_destroy (tombstones, holds
    re-checked under lock) and completed with its chained certificate, in one transaction.
    `hold`: whose holds do not count (the erasure request being answered)."""
    ids = sorted(set(record_ids))
    result = CertifiedDestruction()
    if not ids:
        return result
    with transaction.atomic():
        rows = list(
            Record.objects.filter(any_of("pk", ids))
            .filter(records_live_q())
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "record_class_id", "jurisdiction")
        )
        live = {pk for pk, _, _ in rows}
        result.not_live = [pk for pk in ids if pk not in live]
        # The holds only: the caller decided everything else (the erasure's own refusals).
        facts = records_destruction_facts(
            live, hold=hold, legal_holds=False, exclusions=False, blocks=False
        )
        held = {pk for pk in live if record_destruction_refusal(facts[pk], now=now) is not None}
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
            history_note(batch, user=actor, reason=reason)
            batch.save()
            DisposalApproval.objects.create(batch=batch, approver=actor, approved_at=now)
            items_insert(batch, group)
            part = records_destroy(
                record_ids=group,
                now=now,
                reason=reason,
                batch=batch,
                approvers=approver,
                actor=actor,
                hold=hold,
            )
            outcomes = [
                (ItemStatus.DESTROYED, part.destroyed, reason),
                (ItemStatus.SKIPPED_HELD, part.held, "held at execution"),
                (ItemStatus.SKIPPED_NOT_DUE, part.not_live, "record no longer live"),
            ]
            disposal_items_move(
                [
                    ItemsMove(
                        items=Q(batch=batch) & any_of("record_id", done),
                        status=status,
                        fields={"reason": why[:255], "processed_at": now},
                    )
                    for status, done, why in outcomes
                    if done
                ]
            )
            certificate = batch_complete(batch.pk, now)
            result.destroyed += part.destroyed
            result.held += part.held
            result.not_live += part.not_live
            if certificate is not None:
                result.certificates.update(dict.fromkeys(part.destroyed, certificate.pk))
    return result
