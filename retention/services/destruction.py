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
  comment and answers and the tags (in the chat row and its history), unlinks the Customer and
  deletes it with its history rows when no chat refers to it any more.
`purge` (original text only) requires a redacted layer on every message: the only copy of a
text is never destroyed before a redacted copy exists, and skips blocked records
(retention.selectors.record_ids_purge_blocked: a pending QA review of a known-country record).
Evidence carries the real time: tombstones' and records' `disposed_at`, `pii_purged_at` and the
messages' `original_purged_at` are the real clock; `now` (the moment the caller evaluated at)
is recorded beside it as the tombstone's `as_of` when it differs (core.clock.clock_as_of).
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat, Customer, Message, SenderRole, Survey
from core.clock import clock_as_of
from outbox.services import webhook_deliveries_scrub_chats, webhook_events_emit
from records.models import Record, RecordClass, RecordStatus
from retention.lookups import pg_bigint_array, sql_any_of
from retention.models import DisposalBatch, DispositionAction, Tombstone
from retention.selectors import record_ids_held, record_ids_purge_blocked

# Other apps append callables(chat_ids) that erase their own per-chat personal data inside the
# destruction transaction (e.g. copies kept by integrations). They must be set-based.
CHAT_DESTRUCTION_HOOKS: list[Callable[[list[int]], None]] = []

LIVE_STATUSES = (RecordStatus.ACTIVE, RecordStatus.FLAGGED)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class DestructionResult:
    destroyed: list[int] = field(default_factory=list)  # record ids
    held: list[int] = field(default_factory=list)
    not_live: list[int] = field(default_factory=list)
    not_redacted: list[int] = field(default_factory=list)  # anonymize/purge need a redacted layer
    blocked: list[int] = field(default_factory=list)  # purge: pending QA review (known country)


class _EpochMicroseconds(models.Func):
    """A timestamp as integer microseconds since the Unix epoch, computed by PostgreSQL.

    Loading a timestamptz through Django's time-zone-aware loader costs about 10 µs a value:
    more than everything else chats_content_sha256 does for a message. Other databases return
    the datetime, which _epoch_microseconds converts to the same integer."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = models.BigIntegerField()


def _epoch_microseconds(value: int | datetime) -> int:
    if isinstance(value, int):
        return value
    return (value - EPOCH) // timedelta(microseconds=1)


def chats_content_sha256(chat_ids: Sequence[int]) -> dict[int, str]:
    """SHA-256 per chat over its messages (both layers, the time in epoch microseconds) and
    survey text, in position order, as compact JSON with sorted keys (orjson, UTF-8)."""
    parts: dict[int, list[Any]] = {chat_id: [] for chat_id in chat_ids}
    sent_at: Any = (
        _EpochMicroseconds("sent_at") if connection.vendor == "postgresql" else F("sent_at")
    )
    # A plain fetch: a chunk's messages fit in memory, and iterator()'s server-side cursor cost
    # several times as much at a million messages.
    rows = (
        Message.objects.filter(chat_id__any_of=chat_ids)
        .order_by("chat_id", "position")
        .values_list("chat_id", "position", "sender", sent_at, "text", "text_redacted")
    )
    for chat_id, position, sender, sent, text, redacted in rows:
        parts[chat_id].append([position, sender, _epoch_microseconds(sent), text, redacted])
    surveys = Survey.objects.filter(chat_id__any_of=chat_ids).values_list(
        "chat_id", "comment", "comment_redacted", "answers"
    )
    for chat_id, comment, comment_redacted, answers in surveys:
        parts[chat_id].append(
            {"comment": comment, "redacted": comment_redacted, "answers": answers}
        )
    return {
        chat_id: hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
        for chat_id, content in parts.items()
    }


class LockedRecord(NamedTuple):
    pk: int
    chat_id: int
    customer_id: int | None
    redacted_at: datetime | None
    pii_purged_at: datetime | None


def _lock_live(record_ids: Iterable[int]) -> tuple[list[LockedRecord], list[int]]:
    """Locks the live records among `record_ids` (rows only, no model instances: this runs for
    every chunk of a 100,000-record batch). Returns (live records, ids not live)."""
    ids = sorted(set(record_ids))
    records = [
        LockedRecord(*row)
        for row in Record.objects.filter(pk__any_of=ids, status__in=LIVE_STATUSES)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "chat_id", "chat__customer_id", "chat__redacted_at", "pii_purged_at")
    ]
    found = {record.pk for record in records}
    return records, [pk for pk in ids if pk not in found]


def _customers_release(customer_ids: set[int]) -> int:
    """Deletes customers no chat refers to any more, with every history row of their identity."""
    if not customer_ids:
        return 0
    orphans = list(
        Customer.objects.filter(pk__any_of=customer_ids)
        .exclude(Exists(Chat.objects.filter(customer_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if not orphans:
        return 0
    _delete_set_based(Customer._base_manager.filter(pk__any_of=orphans))
    Customer.history.filter(id__any_of=orphans).delete()
    return len(orphans)


def _delete_set_based(queryset: models.QuerySet[Any]) -> None:
    """Deletes the rows of `queryset` with a few set-based statements, honouring each reverse
    relation's on_delete, without loading rows or sending per-row delete signals (simple-history's
    would write a "-" history row holding the very identity being destroyed). PROTECT and other
    relations are left to the database's foreign key, which then refuses the delete: the chunk
    rolls back and fails closed."""
    model = queryset.model
    keys = queryset.values("pk")
    for relation in model._meta.related_objects:
        related = relation.related_model
        if not (isinstance(related, type) and issubclass(related, models.Model)):
            continue
        if not relation.field.concrete:
            continue
        rows = related._base_manager.filter(**{f"{relation.field.name}__in": keys})
        if relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{relation.field.name: None})
    queryset._raw_delete(queryset.db)


def _chats_unlink_customers(chat_ids: list[int]) -> set[int]:
    """Unlinks the chats from their customers, whose rows stay locked until the caller commits.

    The lock serialises two transactions that unlink different chats of one customer (two
    disposal workers, an erasure beside a batch): without it, each would still see the other's
    chat linked, and neither would release the customer. Taken in id order: no deadlock."""
    customer_ids = set(
        Chat.objects.filter(pk__any_of=chat_ids, customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    list(
        Customer.objects.filter(pk__any_of=sorted(customer_ids))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Chat.objects.filter(pk__any_of=chat_ids).update(customer=None)
    # History rows of the chat carry no text, but they name the customer: unlink them too.
    Chat.history.filter(id__any_of=chat_ids).update(customer_id=None)
    return customer_ids


def _chats_tags_destroy(chat_ids: list[int], *, keep_redacted: bool) -> None:
    """The source's tags may hold personal data (an e-mail as a label): they go from the chat
    row and from every history row of it. `keep_redacted`: the redacted layer stays (anonymise,
    purge), as the chat's only tags."""
    chats = Chat.objects.filter(pk__any_of=chat_ids)
    history = Chat.history.filter(id__any_of=chat_ids)
    if keep_redacted:
        chats.filter(tags_redacted__isnull=False).update(tags=F("tags_redacted"))
        chats.filter(tags_redacted__isnull=True).update(tags=[])
        history.update(tags=[])
    else:
        chats.update(tags=[], tags_redacted=[])
        history.update(tags=[], tags_redacted=[])


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _history_insert_select(
    model: type[models.Model], ids: list[int], *, reason: str, user_id: int | None
) -> None:
    """One "~" simple-history row per record, written with INSERT … SELECT (set-based)."""
    history_model = model.history.model  # type: ignore[attr-defined]
    source_columns = {f.attname: f.column for f in model._meta.concrete_fields}
    extra = {
        "history_date": timezone.now(),
        "history_change_reason": reason[:100],
        "history_type": "~",
        "history_user_id": user_id,
    }
    columns, expressions, params = [], [], []
    for column in history_model._meta.concrete_fields:
        if column.attname == "history_id":
            continue
        columns.append(_quoted(str(column.column)))
        if column.attname in extra:
            expressions.append("%s")
            params.append(column.get_db_prep_save(extra[column.attname], connection))
        else:
            expressions.append(f"src.{_quoted(str(source_columns[column.attname]))}")
    condition, id_params = sql_any_of(
        f"src.{_quoted(str(model._meta.pk.column))}", ids, connection.vendor
    )
    sql = (
        f"INSERT INTO {_quoted(history_model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {_quoted(model._meta.db_table)} src "
        f"WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *id_params])


def _records_finish(
    ids: list[int], *, status: str, now: datetime, reason: str, actor: User | None
) -> None:
    Record.objects.filter(pk__any_of=ids).update(status=status, disposed_at=now)
    _history_insert_select(Record, ids, reason=reason, user_id=actor.pk if actor else None)


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
    fields = {f.name: f for f in Tombstone._meta.concrete_fields}

    def prep(name: str, value: Any) -> Any:
        return fields[name].get_db_prep_save(value, connection)

    r, c, k = "r.", "c.", "k."
    mapping: list[tuple[str, str, Any]] = [
        ("record_id_value", r + _quoted("id"), None),
        ("chat_id_value", r + _quoted("chat_id"), None),
        ("source", c + _quoted("source"), None),
        ("external_id", c + _quoted("external_id"), None),
        ("record_class", k + _quoted("code"), None),
        ("jurisdiction", r + _quoted("jurisdiction"), None),
        ("action", "%s", prep("action", action)),
        ("chat_started_at", c + _quoted("started_at"), None),
        ("chat_ended_at", c + _quoted("ended_at"), None),
        ("trigger_at", r + _quoted("trigger_at"), None),
        ("disposition_due", r + _quoted("disposition_due"), None),
        ("disposed_at", "%s", prep("disposed_at", now)),
        ("as_of", "%s", prep("as_of", as_of)),
        ("batch", "%s", batch.pk if batch else None),
        ("approvers", "%s", prep("approvers", approvers)),
        ("content_sha256", "v.digest", None),
        ("import_sha256", c + _quoted("content_sha256"), None),
        ("reason", "%s", reason[:255]),
    ]
    columns = ", ".join(_quoted(str(fields[name].column)) for name, _, _ in mapping)
    expressions = ", ".join(expression for _, expression, _ in mapping)
    params = [value for _, expression, value in mapping if expression == "%s"]
    chat_of = dict(Record.objects.filter(pk__any_of=ids).values_list("pk", "chat_id"))
    # The digests travel with the record ids, joined to the records: one statement per chunk.
    # PostgreSQL takes them as two arrays; a VALUES list of 2,000 placeholders cost more to
    # bind than the insert itself.
    digests = [hashes[chat_of[record_id]] for record_id in ids]
    if connection.vendor == "postgresql":
        source = "SELECT * FROM unnest(%s::bigint[], %s::text[])"
        # Hex digests need no quoting inside an array literal.
        value_params: list[Any] = [pg_bigint_array(ids), "{" + ",".join(digests) + "}"]
    else:
        source = "VALUES " + ", ".join(["(%s, %s)"] * len(ids))
        value_params = [value for pair in zip(ids, digests, strict=True) for value in pair]
    insert = (
        f"WITH v (rid, digest) AS ({source}) "  # noqa: S608
        f"INSERT INTO {_quoted(Tombstone._meta.db_table)} ({columns}) "
        f"SELECT {expressions} FROM v "
        f"JOIN {_quoted(Record._meta.db_table)} r ON r.{_quoted('id')} = v.rid "
        f"JOIN {_quoted(Chat._meta.db_table)} c ON c.{_quoted('id')} = r.{_quoted('chat_id')} "
        f"JOIN {_quoted(RecordClass._meta.db_table)} k "
        f"ON k.{_quoted('id')} = r.{_quoted('record_class_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [*value_params, *params])


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
    here, always. Runs in the caller's transaction when there is one. `now` is the moment the
    caller evaluated at; the evidence is stamped with the real time (and `as_of` = now when
    they differ)."""
    as_of = clock_as_of(now)
    with transaction.atomic():
        stamp = timezone.now()
        records, not_live = _lock_live(record_ids)
        held = record_ids_held([record.pk for record in records])
        records = [record for record in records if record.pk not in held]
        result = DestructionResult(held=sorted(held), not_live=not_live)
        if action == DispositionAction.ANONYMIZE:
            unredacted = {r.pk for r in records if r.redacted_at is None}
            result.not_redacted = sorted(unredacted)
            records = [record for record in records if record.pk not in unredacted]
        if not records:
            return result
        chat_ids = [record.chat_id for record in records]
        hashes = chats_content_sha256(chat_ids)
        if action == DispositionAction.ANONYMIZE:
            # The redacted layer stays as a non-record knowledge item; the original goes.
            Message.objects.filter(chat_id__any_of=chat_ids).update(
                text="", original_purged_at=stamp
            )
            Message.objects.filter(chat_id__any_of=chat_ids, sender=SenderRole.CUSTOMER).update(
                author_name=""
            )
            Survey.objects.filter(chat_id__any_of=chat_ids).update(comment="", answers={})
            _chats_tags_destroy(chat_ids, keep_redacted=True)
            status = RecordStatus.ANONYMIZED
        else:
            _delete_set_based(Message._base_manager.filter(chat_id__any_of=chat_ids))
            Survey.objects.filter(chat_id__any_of=chat_ids).update(
                comment="", comment_redacted="", answers={}, answers_redacted={}
            )
            _chats_tags_destroy(chat_ids, keep_redacted=False)
            status = RecordStatus.DISPOSED
        for hook in CHAT_DESTRUCTION_HOOKS:
            hook(chat_ids)
        webhook_deliveries_scrub_chats(chat_ids)
        customer_ids = _chats_unlink_customers(chat_ids)
        _customers_release(customer_ids)
        approver_list = list(approvers)
        ids = [record.pk for record in records]
        _tombstones_create(
            ids,
            hashes=hashes,
            action=action,
            now=stamp,
            as_of=as_of,
            batch=batch,
            approvers=approver_list,
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
                data={"records": [r.pk for r in records], "reason": reason},
                as_of=now,
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
    """Destroys the original text of live, unheld, unblocked records whose every message has a
    redacted layer; the redacted text stays (R-PII-4). Stamped with the real time."""
    with transaction.atomic():
        stamp = timezone.now()
        records, not_live = _lock_live(record_ids)
        records = [r for r in records if r.pii_purged_at is None]
        held = record_ids_held([record.pk for record in records])
        records = [record for record in records if record.pk not in held]
        blocked = record_ids_purge_blocked([record.pk for record in records])
        records = [record for record in records if record.pk not in blocked]
        chat_ids = [record.chat_id for record in records if record.redacted_at is not None]
        unredacted_chats = (
            set(
                Message.objects.filter(
                    chat_id__any_of=chat_ids, text_redacted__isnull=True
                ).values_list("chat_id", flat=True)
            )
            | set(
                Survey.objects.filter(chat_id__any_of=chat_ids, comment_redacted__isnull=True)
                .exclude(comment="")
                .values_list("chat_id", flat=True)
            )
            | set(
                Survey.objects.filter(chat_id__any_of=chat_ids, answers_redacted__isnull=True)
                .exclude(answers={})
                .values_list("chat_id", flat=True)
            )
        )
        ready = [
            r for r in records if r.redacted_at is not None and r.chat_id not in unredacted_chats
        ]
        result = DestructionResult(
            held=sorted(held),
            not_live=not_live,
            not_redacted=sorted({r.pk for r in records} - {r.pk for r in ready}),
            blocked=sorted(blocked),
        )
        if not ready:
            return result
        chat_ids = [record.chat_id for record in ready]
        Message.objects.filter(chat_id__any_of=chat_ids, original_purged_at__isnull=True).update(
            text="", original_purged_at=stamp
        )
        Message.objects.filter(chat_id__any_of=chat_ids, sender=SenderRole.CUSTOMER).update(
            author_name=""
        )
        Survey.objects.filter(chat_id__any_of=chat_ids).update(comment="", answers={})
        _chats_tags_destroy(chat_ids, keep_redacted=True)
        _customer_old_identities_purge(ready)
        ready_ids = [r.pk for r in ready]
        Record.objects.filter(pk__any_of=ready_ids).update(pii_purged_at=stamp)
        _history_insert_select(Record, ready_ids, reason="original text purged", user_id=None)
        result.destroyed = [record.pk for record in ready]
        return result


def _customer_old_identities_purge(records: list[LockedRecord]) -> None:
    """Deletes superseded history rows of these chats' customers (past names, emails, phones);
    the customer's current identity stays while any of its chats is live."""
    customer_ids = {r.customer_id for r in records if r.customer_id is not None}
    if not customer_ids:
        return
    history = Customer.history
    latest = (
        history.filter(id__any_of=customer_ids)
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("latest", flat=True)
    )
    history.filter(id__any_of=customer_ids).exclude(history_id__in=list(latest)).delete()
