"""Destroying, anonymising and purging the text of records (R-DISP-4, R-PII-4).

These are the only functions that delete chat content. Each works on a set of records inside the
caller's transaction (or its own), with set-based SQL, and:
- locks the records first and drops every record that is held at that moment (records_held_q),
  so a hold placed at any time before the lock is honoured;
- never touches a record that is not live (disposed and anonymised records are final), so a
  re-run destroys nothing twice;
- computes the SHA-256 of the content it is about to destroy before destroying it;
- keeps the Chat row (metadata only; other apps' aggregates reference it by foreign key), the
  Record (status `disposed`/`anonymized`) and a Tombstone; deletes the Messages, blanks the survey
  comment and answers, unlinks the Customer and deletes it with its history rows when no chat
  refers to it any more.
`purge` (original text only) requires a redacted layer on every message: the only copy of a
text is never destroyed before a redacted copy exists.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat, Customer, Message, SenderRole, Survey
from records.models import Record, RecordStatus
from retention.models import DisposalBatch, DispositionAction, Tombstone
from retention.selectors import record_ids_held

# Other apps append callables(chat_ids) that erase their own per-chat personal data inside the
# destruction transaction (e.g. copies kept by integrations). They must be set-based.
CHAT_DESTRUCTION_HOOKS: list[Callable[[list[int]], None]] = []

LIVE_STATUSES = (RecordStatus.ACTIVE, RecordStatus.FLAGGED)


@dataclass
class DestructionResult:
    destroyed: list[int] = field(default_factory=list)  # record ids
    held: list[int] = field(default_factory=list)
    not_live: list[int] = field(default_factory=list)
    not_redacted: list[int] = field(default_factory=list)  # anonymize/purge need a redacted layer


def chats_content_sha256(chat_ids: Sequence[int]) -> dict[int, str]:
    """SHA-256 per chat over its messages (both layers) and survey text, in position order."""
    parts: dict[int, list[Any]] = {chat_id: [] for chat_id in chat_ids}
    rows = (
        Message.objects.filter(chat_id__in=chat_ids)
        .order_by("chat_id", "position")
        .values_list("chat_id", "position", "sender", "sent_at", "text", "text_redacted")
    )
    for chat_id, position, sender, sent_at, text, redacted in rows.iterator(chunk_size=5000):
        parts[chat_id].append([position, sender, sent_at.isoformat(), text, redacted])
    surveys = Survey.objects.filter(chat_id__in=chat_ids).values_list(
        "chat_id", "comment", "comment_redacted", "answers"
    )
    for chat_id, comment, comment_redacted, answers in surveys:
        parts[chat_id].append(
            {"comment": comment, "redacted": comment_redacted, "answers": answers}
        )
    return {
        chat_id: hashlib.sha256(
            json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        for chat_id, content in parts.items()
    }


def _lock_live(record_ids: Iterable[int]) -> tuple[list[Record], list[int]]:
    ids = sorted(set(record_ids))
    records = list(
        Record.objects.filter(pk__in=ids, status__in=LIVE_STATUSES)
        .select_related("chat", "record_class")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    found = {record.pk for record in records}
    return records, [pk for pk in ids if pk not in found]


def _customers_release(customer_ids: set[int]) -> int:
    """Deletes customers no chat refers to any more, with every history row of their identity."""
    if not customer_ids:
        return 0
    orphans = list(
        Customer.objects.filter(pk__in=customer_ids)
        .exclude(Exists(Chat.objects.filter(customer_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if not orphans:
        return 0
    Customer.objects.filter(pk__in=orphans).delete()
    # After the delete: simple-history writes a "-" row holding the identity on delete.
    Customer.history.filter(id__in=orphans).delete()
    return len(orphans)


def _chats_unlink_customers(chat_ids: list[int]) -> set[int]:
    customer_ids = set(
        Chat.objects.filter(pk__in=chat_ids, customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    Chat.objects.filter(pk__in=chat_ids).update(customer=None)
    # History rows of the chat carry no text, but they name the customer: unlink them too.
    Chat.history.filter(id__in=chat_ids).update(customer_id=None)
    return customer_ids


def _records_finish(
    records: list[Record],
    *,
    status: str,
    now: datetime,
    reason: str,
    actor: User | None,
) -> None:
    ids = [record.pk for record in records]
    Record.objects.filter(pk__in=ids).update(status=status, disposed_at=now)
    for record in records:
        record.status, record.disposed_at = status, now
    Record.history.bulk_history_create(
        records,
        update=True,
        default_user=actor,
        default_change_reason=reason[:100],
        default_date=timezone.now(),
        batch_size=2000,
    )


def _tombstones_create(
    records: list[Record],
    *,
    hashes: dict[int, str],
    action: str,
    now: datetime,
    batch: DisposalBatch | None,
    approvers: list[str],
    reason: str,
) -> None:
    Tombstone.objects.bulk_create(
        [
            Tombstone(
                record_id_value=record.pk,
                chat_id_value=record.chat_id,
                source=record.chat.source,
                external_id=record.chat.external_id,
                record_class=record.record_class.code,
                jurisdiction=record.jurisdiction,
                action=action,
                chat_started_at=record.chat.started_at,
                chat_ended_at=record.chat.ended_at,
                trigger_at=record.trigger_at,
                disposition_due=record.disposition_due,
                disposed_at=now,
                batch=batch,
                approvers=approvers,
                content_sha256=hashes[record.chat_id],
                import_sha256=record.chat.content_sha256,
                reason=reason[:255],
            )
            for record in records
        ],
        batch_size=2000,
    )


def records_destroy(
    *,
    record_ids: Iterable[int],
    now: datetime,
    reason: str,
    action: str = DispositionAction.DESTROY,
    batch: DisposalBatch | None = None,
    approvers: Sequence[str] = (),
    actor: User | None = None,
) -> DestructionResult:
    """Destroys (or anonymises) live, unheld records. The caller decides they are due or that
    no retention obligation applies (a disposal batch, an erasure request); holds are checked
    here, always. Runs in the caller's transaction when there is one."""
    with transaction.atomic():
        records, not_live = _lock_live(record_ids)
        held = record_ids_held([record.pk for record in records])
        records = [record for record in records if record.pk not in held]
        result = DestructionResult(held=sorted(held), not_live=not_live)
        if action == DispositionAction.ANONYMIZE:
            unredacted = {r.pk for r in records if r.chat.redacted_at is None}
            result.not_redacted = sorted(unredacted)
            records = [record for record in records if record.pk not in unredacted]
        if not records:
            return result
        chat_ids = [record.chat_id for record in records]
        hashes = chats_content_sha256(chat_ids)
        if action == DispositionAction.ANONYMIZE:
            # The redacted layer stays as a non-record knowledge item; the original goes.
            Message.objects.filter(chat_id__in=chat_ids).update(text="", original_purged_at=now)
            Message.objects.filter(chat_id__in=chat_ids, sender=SenderRole.CUSTOMER).update(
                author_name=""
            )
            Survey.objects.filter(chat_id__in=chat_ids).update(comment="")
            status = RecordStatus.ANONYMIZED
        else:
            Message.objects.filter(chat_id__in=chat_ids).delete()
            Survey.objects.filter(chat_id__in=chat_ids).update(
                comment="", comment_redacted="", answers={}
            )
            status = RecordStatus.DISPOSED
        for hook in CHAT_DESTRUCTION_HOOKS:
            hook(chat_ids)
        customer_ids = _chats_unlink_customers(chat_ids)
        _customers_release(customer_ids)
        approver_list = list(approvers)
        _tombstones_create(
            records,
            hashes=hashes,
            action=action,
            now=now,
            batch=batch,
            approvers=approver_list,
            reason=reason,
        )
        _records_finish(records, status=status, now=now, reason=reason, actor=actor)
        if batch is None:
            audit_event_record(
                actor=actor,
                action=f"record.{status}",
                target_type="records.record",
                target_id=",".join(str(r.pk) for r in records)[:64],
                data={"records": [r.pk for r in records], "reason": reason},
            )
        result.destroyed = [record.pk for record in records]
        return result


def record_destroy(
    *, record: Record, now: datetime, reason: str, actor: User | None = None
) -> bool:
    """One record (e.g. a data-subject erasure). False when held or no longer live."""
    result = records_destroy(record_ids=[record.pk], now=now, reason=reason, actor=actor)
    return bool(result.destroyed)


def records_purge_originals(*, record_ids: Iterable[int], now: datetime) -> DestructionResult:
    """Destroys the original text of live, unheld records whose every message has a redacted
    layer; the redacted text stays (R-PII-4)."""
    with transaction.atomic():
        records, not_live = _lock_live(record_ids)
        records = [r for r in records if r.pii_purged_at is None]
        held = record_ids_held([record.pk for record in records])
        records = [record for record in records if record.pk not in held]
        chat_ids = [record.chat_id for record in records if record.chat.redacted_at is not None]
        unredacted_chats = set(
            Message.objects.filter(chat_id__in=chat_ids, text_redacted__isnull=True).values_list(
                "chat_id", flat=True
            )
        ) | set(
            Survey.objects.filter(chat_id__in=chat_ids, comment_redacted__isnull=True)
            .exclude(comment="")
            .values_list("chat_id", flat=True)
        )
        ready = [
            r
            for r in records
            if r.chat.redacted_at is not None and r.chat_id not in unredacted_chats
        ]
        result = DestructionResult(
            held=sorted(held),
            not_live=not_live,
            not_redacted=sorted({r.pk for r in records} - {r.pk for r in ready}),
        )
        if not ready:
            return result
        chat_ids = [record.chat_id for record in ready]
        Message.objects.filter(chat_id__in=chat_ids, original_purged_at__isnull=True).update(
            text="", original_purged_at=now
        )
        Message.objects.filter(chat_id__in=chat_ids, sender=SenderRole.CUSTOMER).update(
            author_name=""
        )
        Survey.objects.filter(chat_id__in=chat_ids).update(comment="")
        _customer_old_identities_purge(ready)
        Record.objects.filter(pk__in=[r.pk for r in ready]).update(pii_purged_at=now)
        for record in ready:
            record.pii_purged_at = now
        Record.history.bulk_history_create(
            ready,
            update=True,
            default_change_reason="original text purged",
            default_date=timezone.now(),
            batch_size=2000,
        )
        result.destroyed = [record.pk for record in ready]
        return result


def _customer_old_identities_purge(records: list[Record]) -> None:
    """Deletes superseded history rows of these chats' customers (past names, emails, phones);
    the customer's current identity stays while any of its chats is live."""
    customer_ids = {r.chat.customer_id for r in records if r.chat.customer_id is not None}
    if not customer_ids:
        return
    history = Customer.history
    latest = (
        history.filter(id__in=customer_ids)
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("latest", flat=True)
    )
    history.filter(id__in=customer_ids).exclude(history_id__in=list(latest)).delete()
