"""Destroying and anonymising the content of records (R-DISP-4).

These functions (with retention.services.purge for original text only) are the only ones that
delete chat content. Each works on a set of records inside the caller's transaction (or its own),
with set-based SQL, and:
- locks the records first and drops every record the destruction rule refuses at that moment
  (retention.rules.record_destruction_refusal: not live, or held), so a hold placed at any time
  before the lock is honoured and a re-run destroys nothing twice (disposed and anonymised
  records are final);
- computes the SHA-256 of the content it is about to destroy before destroying it;
- keeps the Chat row, the Record (status `disposed`/`anonymized`) and a Tombstone; deletes the
  Messages, blanks the survey comment and answers and the tags, unlinks and releases the
  Customer (retention.services.chat_content);
- sends retention.hooks.chats_destroyed inside the transaction, before the tombstones: what
  other apps derived from the chats goes with them, or the destruction rolls back;
- writes the records' final status in one statement (`_records_finish`, the only write that
  takes a record out of live status) and sends retention.hooks.records_destroyed right after it,
  so what other apps keep about a record being live (the QA queue) changes in the same
  transaction.
Evidence carries the real time: tombstones' and records' `disposed_at` and the messages'
`original_purged_at` are the real clock; `now` (the moment the caller evaluated at) is recorded
beside it as the tombstone's `as_of` when it differs (core.clock.clock_as_of).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, DateTimeField, F, IntegerField, JSONField, Value
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Message, SenderRole, Survey
from core.clock import clock_as_of
from core.db import (
    any_of,
    column_update_from_map,
    history_copy,
    rows_delete_set_based,
    rows_insert_from_select,
)
from outbox.services import webhook_deliveries_scrub_chats, webhook_events_emit
from records.models import DispositionAction, Record, RecordStatus
from records.rules import records_live_q
from retention.hooks import (
    ChatsDestroyed,
    HoldQuery,
    RecordsDestroyed,
    chats_destroyed,
    records_destroyed,
)
from retention.models import DisposalBatch, Tombstone
from retention.rules import REFUSAL_NOT_LIVE, record_destruction_refusal
from retention.selectors import records_destruction_facts
from retention.services.chat_content import (
    chats_content_sha256,
    chats_customers_unlink,
    chats_source_documents_destroy,
    chats_tags_destroy,
    customers_release,
)


@dataclass
class DestructionResult:
    destroyed: list[int] = field(default_factory=list)  # record ids
    held: list[int] = field(default_factory=list)
    not_live: list[int] = field(default_factory=list)
    not_redacted: list[int] = field(default_factory=list)  # anonymize/purge need a redacted layer
    blocked: list[int] = field(default_factory=list)  # purge: pending QA review (known country)


class LockedRecord(NamedTuple):
    pk: int
    chat_id: int
    customer_id: int | None
    redacted_at: datetime | None
    pii_purged_at: datetime | None


def records_lock_destroyable(
    record_ids: Iterable[int], *, hold: HoldQuery | None = None
) -> tuple[list[LockedRecord], DestructionResult]:
    """Locks the live records among `record_ids` (rows only, no model instances: this runs for
    every chunk of a 100,000-record batch) and keeps those the destruction rule lets go now.
    Returns (those records, a result listing the ones not live and the ones held)."""
    ids = sorted(set(record_ids))
    locked = [
        LockedRecord(*row)
        for row in Record.objects.filter(any_of("pk", ids))
        .filter(records_live_q())
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "chat_id", "chat__customer_id", "chat__redacted_at", "pii_purged_at")
    ]
    found = {record.pk for record in locked}
    result = DestructionResult(not_live=[pk for pk in ids if pk not in found])
    # The holds only: exclusions and blocks are the callers' decision (disposal, erasure).
    facts = records_destruction_facts(
        found, hold=hold, legal_holds=False, exclusions=False, blocks=False
    )
    now = timezone.now()
    records = []
    for record in locked:
        refusal = record_destruction_refusal(facts[record.pk], now=now)
        if refusal is None:
            records.append(record)
        elif refusal.reason == REFUSAL_NOT_LIVE:
            result.not_live.append(record.pk)
        else:
            result.held.append(record.pk)
    return records, result


def _records_finish(
    ids: list[int], *, status: str, now: datetime, reason: str, actor: User | None
) -> None:
    Record.objects.filter(any_of("pk", ids)).update(status=status, disposed_at=now)
    records_destroyed.send(RecordsDestroyed(record_ids=tuple(ids), status=status))
    history_copy(
        Record, ids, when=timezone.now(), reason=reason, user_id=actor.pk if actor else None
    )


def _tombstones_create(
    ids: list[int],
    *,
    hashes: dict[int, str],
    action: str,
    now: datetime,
    as_of: datetime | None,
    batch: DisposalBatch | None,
    approvers: list[str],
    reason: str,
) -> None:
    """Tombstones with INSERT … SELECT from the records and chats, then their digests. `now` is
    the real time of destruction, `as_of` the evaluation moment when it differs."""
    columns: dict[str, Any] = {
        "record_id_value": F("pk"),
        "chat_id_value": F("chat_id"),
        "source": F("chat__source"),
        "external_id": F("chat__external_id"),
        "record_class": F("record_class__code"),
        "jurisdiction": F("jurisdiction"),
        "action": Value(action, output_field=CharField()),
        "chat_started_at": F("chat__started_at"),
        "chat_ended_at": F("chat__ended_at"),
        "trigger_at": F("trigger_at"),
        "disposition_due": F("disposition_due"),
        "disposed_at": Value(now, output_field=DateTimeField()),
        "as_of": Value(as_of, output_field=DateTimeField()),
        "batch": Value(batch.pk if batch else None, output_field=IntegerField()),
        "approvers": Value(approvers, output_field=JSONField()),
        "content_sha256": Value("", output_field=CharField()),
        "import_sha256": F("chat__content_sha256"),
        "reason": Value(reason[:255], output_field=CharField()),
    }
    rows_insert_from_select(
        Tombstone,
        list(columns),
        Record.objects.filter(any_of("pk", ids)).order_by().values_list(*columns.values()),
    )
    chat_of = dict(Record.objects.filter(any_of("pk", ids)).values_list("pk", "chat_id"))
    column_update_from_map(
        Tombstone,
        key="record_id_value",
        field="content_sha256",
        values={record_id: hashes[chat_of[record_id]] for record_id in ids},
    )


def _chats_content_destroy(chat_ids: list[int], *, anonymize: bool, stamp: datetime) -> None:
    if anonymize:
        # The redacted layer stays as a non-record knowledge item; the original goes.
        Message.objects.filter(any_of("chat_id", chat_ids)).update(
            text="", attachments=[], original_purged_at=stamp
        )
        Message.objects.filter(any_of("chat_id", chat_ids), sender=SenderRole.CUSTOMER).update(
            author_name=""
        )
        Survey.objects.filter(any_of("chat_id", chat_ids)).update(comment="", answers={})
    else:
        rows_delete_set_based(Message._base_manager.filter(any_of("chat_id", chat_ids)))
        Survey.objects.filter(any_of("chat_id", chat_ids)).update(
            comment="", comment_redacted="", answers={}, answers_redacted={}
        )
    chats_tags_destroy(chat_ids, keep_redacted=anonymize)
    chats_source_documents_destroy(chat_ids)


def records_destroy(
    *,
    record_ids: Iterable[int],
    now: datetime,
    reason: str,
    action: str = DispositionAction.DESTROY,
    batch: DisposalBatch | None = None,
    approvers: Sequence[str] = (),
    actor: User | None = None,
    hold: HoldQuery | None = None,
) -> DestructionResult:
    """Destroys (or anonymises) live, unheld records. The caller decides they are due or that
    no retention obligation applies (a disposal batch, an erasure request); holds are checked
    here, always (`hold`: whose holds do not count, e.g. the erasure request being answered).
    Runs in the caller's transaction when there is one. `now` is the moment the caller
    evaluated at; the evidence is stamped with the real time (and `as_of` = now when they
    differ)."""
    as_of = clock_as_of(now)
    with transaction.atomic():
        stamp = timezone.now()
        records, result = records_lock_destroyable(record_ids, hold=hold)
        anonymize = action == DispositionAction.ANONYMIZE
        if anonymize:
            unredacted = {r.pk for r in records if r.redacted_at is None}
            result.not_redacted = sorted(unredacted)
            records = [record for record in records if record.pk not in unredacted]
        if not records:
            return result
        chat_ids = [record.chat_id for record in records]
        hashes = chats_content_sha256(chat_ids)
        _chats_content_destroy(chat_ids, anonymize=anonymize, stamp=stamp)
        status = RecordStatus.ANONYMIZED if anonymize else RecordStatus.DISPOSED
        chats_destroyed.send(ChatsDestroyed(chat_ids=tuple(chat_ids), anonymized=anonymize))
        webhook_deliveries_scrub_chats(chat_ids)
        customers_release(chats_customers_unlink(chat_ids))
        ids = [record.pk for record in records]
        _tombstones_create(
            ids,
            hashes=hashes,
            action=action,
            now=stamp,
            as_of=as_of,
            batch=batch,
            approvers=list(approvers),
            reason=reason,
        )
        _records_finish(ids, status=status, now=stamp, reason=reason, actor=actor)
        webhook_events_emit(
            event="record.disposed",
            payloads=[
                {
                    "record": record.pk,
                    "chat": record.chat_id,
                    "status": status,
                    "batch": batch.pk if batch is not None else None,
                    "disposed_at": stamp,
                }
                for record in records
            ],
        )
        if batch is None:
            audit_event_record(
                actor=actor,
                action=f"record.{status}",
                target_type="records.record",
                target_id=",".join(str(r.pk) for r in records)[:64],
                data={"records": ids, "reason": reason},
                as_of=now,
            )
        result.destroyed = ids
        return result


def record_destroy(
    *, record: Record, now: datetime, reason: str, actor: User | None = None
) -> bool:
    """One record (e.g. a data-subject erasure). False when held or no longer live."""
    result = records_destroy(record_ids=[record.pk], now=now, reason=reason, actor=actor)
    return bool(result.destroyed)
