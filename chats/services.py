"""Writing chats: import in batches (bulk inserts, set-based look-ups), country inference.

Import invariants: a chat is identified by (source, external_id); importing it again is a no-op;
a batch is one transaction, so a chat is never half-imported; a concurrent importer that wins a
race for the same chat makes our batch retry, after which that chat counts as already present.
"""

import functools
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import audit_event_record
from chats.country import country_infer
from chats.interchange import (
    ChatPayload,
    InterchangeError,
    chat_payload_from_dict,
    chat_payload_from_line,
)
from chats.models import Agent, Chat, Customer, Message, Survey
from core.db import history_write, ids_allocate, rows_insert

logger = logging.getLogger(__name__)

Key = tuple[str, str]
# A batch that loses a race for a new customer or agent to a concurrent import is retried; the
# retry finds the row present. Parallel workers share agents, so allow a few rounds.
IMPORT_ATTEMPTS = 3
MESSAGE_FIELDS = ("chat_id", "position", "sender", "agent_id", "author_name", "sent_at", "text")
# Callbacks run after a batch commits, with the ids of the chats it created (e.g. redaction).
POST_IMPORT_HOOKS: list[Callable[[list[int]], None]] = []
# Callbacks run inside a re-inference chunk's transaction with the ids of the chats whose country
# changed (e.g. recomputing their records' retention, R-RET-3). Appended in AppConfig.ready().
COUNTRY_CHANGED_HOOKS: list[Callable[[list[int]], object]] = []


# (field, reason) of something imported but worth a look, e.g. a customer id reused with another
# email; reasons name the rule, never the personal values.
ImportWarning = tuple[str, str]
CUSTOMER_CONFLICT_REASON = (
    "customer.external_id already names a customer with another email address; the chat is "
    "linked to that customer, whose details are kept (check which person this chat is with)"
)
UNKNOWN_AGENT_REASON = (
    "names no agent listed in the chat's agents; the message is kept without an agent"
)


@dataclass
class ImportBatchResult:
    created_ids: list[int] = field(default_factory=list)
    existing: dict[Key, int] = field(default_factory=dict)
    warnings: dict[Key, list[ImportWarning]] = field(default_factory=dict)


@dataclass
class ImportSummary:
    imported: int = 0
    already_present: int = 0
    rejected: int = 0
    messages: int = 0
    warnings: int = 0

    @property
    def total(self) -> int:
        return self.imported + self.already_present + self.rejected


def _keys_filter(keys: Iterable[Key]) -> Q:
    keys = list(keys)
    # Two IN lists, then an exact check in Python: one indexed query instead of N.
    return Q(source__in={k[0] for k in keys}, external_id__in={k[1] for k in keys})


def _existing_ids(
    model: type[Chat] | type[Customer] | type[Agent], keys: set[Key]
) -> dict[Key, int]:
    if not keys:
        return {}
    rows = model.objects.filter(_keys_filter(keys)).values_list("source", "external_id", "pk")
    return {(source, ext): pk for source, ext, pk in rows if (source, ext) in keys}


ImportModel = type[Chat] | type[Customer] | type[Agent]


@functools.cache
def _field_defaults(model: ImportModel) -> dict[str, Any]:
    return {field.attname: field.get_default() for field in model._meta.concrete_fields}


def _new_row(model: ImportModel, **values: Any) -> SimpleNamespace:
    """A new row as plain attributes: building Django model instances for tens of thousands of
    rows costs more than writing them. Fields not given take the model's defaults."""
    return SimpleNamespace(**{**_field_defaults(model), **values})


def _insert_with_history(model: ImportModel, rows: list[SimpleNamespace], *, now: datetime) -> None:
    """COPY/bulk-inserts new rows with their ids (reserved up front where the database can,
    read back by key elsewhere) and writes their history rows."""
    fields = [field.attname for field in model._meta.concrete_fields]
    reserved = ids_allocate(model, len(rows))
    if reserved is not None:
        for row, pk in zip(rows, reserved, strict=True):
            row.id = pk
    else:
        fields.remove("id")
    rows_insert(model, fields, ([getattr(row, name) for name in fields] for row in rows))
    if reserved is None:
        ids = _existing_ids(model, {(row.source, row.external_id) for row in rows})
        for row in rows:
            row.id = ids[(row.source, row.external_id)]
    history_write(model, rows, when=now, reason="imported")


def _customer_conflicts(
    payloads: Sequence[ChatPayload], known_emails: dict[Key, str]
) -> dict[Key, list[ImportWarning]]:
    """Chats whose customer id already names someone with another email (stored, or earlier
    in this batch): reported, never overwritten, so a transcript or a DSR does not silently go
    to, or miss, the wrong person."""
    conflicts: dict[Key, list[ImportWarning]] = {}
    for payload in payloads:
        customer = payload.customer
        if customer is None or not customer.email:
            continue
        known = known_emails.setdefault((payload.source, customer.external_id), customer.email)
        if known and known.lower() != customer.email.lower():
            conflicts.setdefault(payload.key, []).append(
                ("customer.email", CUSTOMER_CONFLICT_REASON)
            )
    return conflicts


def _unknown_agents(payload: ChatPayload) -> list[ImportWarning]:
    listed = {agent.external_id for agent in payload.agents}
    return [
        (f"messages[{index}].agent_external_id", UNKNOWN_AGENT_REASON)
        for index, message in enumerate(payload.messages)
        if message.agent_external_id and message.agent_external_id not in listed
    ]


def _upsert_customers(
    payloads: Sequence[ChatPayload], *, now: datetime, known_emails: dict[Key, str] | None = None
) -> dict[Key, int]:
    """Creates the customers not yet stored; `known_emails` receives the stored customers'
    emails (from the same query)."""
    wanted: dict[Key, SimpleNamespace] = {}
    for payload in payloads:
        if payload.customer is not None:
            key = (payload.source, payload.customer.external_id)
            wanted.setdefault(
                key,
                _new_row(
                    Customer,
                    source=payload.source,
                    external_id=payload.customer.external_id,
                    name=payload.customer.name,
                    email=payload.customer.email,
                    phone=payload.customer.phone,
                    created_at=now,
                ),
            )
    ids: dict[Key, int] = {}
    if wanted:
        rows = Customer.objects.filter(_keys_filter(wanted)).values_list(
            "source", "external_id", "pk", "email"
        )
        for source, ext, pk, email in rows:
            if (source, ext) in wanted:
                ids[(source, ext)] = pk
                if known_emails is not None:
                    known_emails[(source, ext)] = email
    new = [customer for key, customer in wanted.items() if key not in ids]
    if new:
        _insert_with_history(Customer, new, now=now)
        ids.update({(customer.source, customer.external_id): customer.id for customer in new})
    return ids


def _upsert_agents(
    payloads: Sequence[ChatPayload], *, now: datetime
) -> tuple[dict[Key, int], dict[Key, str]]:
    wanted: dict[Key, SimpleNamespace] = {}
    for payload in payloads:
        for agent in payload.agents:
            wanted.setdefault(
                (payload.source, agent.external_id),
                _new_row(
                    Agent,
                    source=payload.source,
                    external_id=agent.external_id,
                    name=agent.name,
                    team=agent.team,
                    default_country=agent.country,
                ),
            )
    if not wanted:
        return {}, {}
    rows = Agent.objects.filter(_keys_filter(wanted)).values_list(
        "source", "external_id", "pk", "default_country"
    )
    ids: dict[Key, int] = {}
    countries: dict[Key, str] = {}
    for source, ext, pk, country in rows:
        if (source, ext) in wanted:
            ids[(source, ext)], countries[(source, ext)] = pk, country
    new = [agent for key, agent in wanted.items() if key not in ids]
    if new:
        _insert_with_history(Agent, new, now=now)
        for new_agent in new:
            key = (new_agent.source, new_agent.external_id)
            ids[key], countries[key] = new_agent.id, new_agent.default_country
    return ids, countries


def _chat_from_payload(
    payload: ChatPayload, customer_id: int | None, agent_countries: list[str], now: datetime
) -> SimpleNamespace:
    customer = payload.customer
    evidence = country_infer(
        given_country=payload.country,
        given_region=payload.region,
        customer_phone=customer.phone if customer else "",
        customer_email=customer.email if customer else "",
        agent_countries=agent_countries,
    )
    return _new_row(
        Chat,
        source=payload.source,
        external_id=payload.external_id,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        language=payload.language,
        country=evidence.country,
        region=evidence.region,
        country_source=evidence.source,
        country_confidence=evidence.confidence,
        customer_id=customer_id,
        tags=list(payload.tags),
        content_sha256=payload.content_sha256,
        imported_at=now,
    )


def _insert_batch(payloads: Sequence[ChatPayload]) -> ImportBatchResult:
    result = ImportBatchResult()
    unique: dict[Key, ChatPayload] = {}
    for payload in payloads:
        unique.setdefault(payload.key, payload)  # a chat repeated in one batch: first wins
    result.existing = _existing_ids(Chat, set(unique))
    todo = [payload for key, payload in unique.items() if key not in result.existing]
    if not todo:
        return result

    now = timezone.now()
    known_emails: dict[Key, str] = {}
    customer_ids = _upsert_customers(todo, now=now, known_emails=known_emails)
    result.warnings = _customer_conflicts(todo, known_emails)
    for payload in todo:
        if unknown := _unknown_agents(payload):
            result.warnings.setdefault(payload.key, []).extend(unknown)
    agent_ids, agent_countries = _upsert_agents(todo, now=now)
    chats = [
        _chat_from_payload(
            payload,
            customer_ids.get((payload.source, payload.customer.external_id))
            if payload.customer
            else None,
            [agent_countries.get((payload.source, a.external_id), "") for a in payload.agents],
            now,
        )
        for payload in todo
    ]
    _insert_with_history(Chat, chats, now=now)
    chat_ids = {(chat.source, chat.external_id): chat.id for chat in chats}

    messages: list[tuple[object, ...]] = []
    surveys: list[tuple[object, ...]] = []
    chat_agents: set[tuple[int, int]] = set()
    for payload in todo:
        chat_id = chat_ids[payload.key]
        agent_names = {a.external_id: a.name for a in payload.agents}
        for position, message in enumerate(payload.messages):
            agent_id = (
                agent_ids.get((payload.source, message.agent_external_id))
                if message.agent_external_id
                else None
            )
            author = message.author or agent_names.get(message.agent_external_id, "")
            messages.append(
                (chat_id, position, message.sender, agent_id, author, message.sent_at, message.text)
            )
        if payload.survey is not None:
            survey = payload.survey
            surveys.append(
                (chat_id, survey.rating, survey.resolved, survey.comment, survey.answers)
            )
        for agent in payload.agents:
            chat_agents.add((chat_id, agent_ids[(payload.source, agent.external_id)]))
    rows_insert(Message, MESSAGE_FIELDS, messages)
    rows_insert(Survey, ("chat_id", "rating", "resolved", "comment", "answers"), surveys)
    rows_insert(Chat.agents.through, ("chat_id", "agent_id"), chat_agents)
    result.created_ids = list(chat_ids.values())
    return result


def _relax_commit_durability() -> None:
    """Lets PostgreSQL acknowledge the import's commit before its WAL reaches the disk.

    Safe here: a crash can lose only the last batches, never corrupt them, and a re-import of
    the same file puts back exactly what was lost (importing is idempotent).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _bound_hook(hook: Callable[[list[int]], None], chat_ids: list[int]) -> Callable[[], None]:
    # A named function, not functools.partial: robust on_commit logs the callable's __qualname__.
    def run_post_import_hook() -> None:
        hook(chat_ids)

    run_post_import_hook.__qualname__ = getattr(hook, "__qualname__", repr(hook))
    return run_post_import_hook


def chats_import_batch(*, payloads: Sequence[ChatPayload]) -> ImportBatchResult:
    """Imports validated chats in one transaction; chats already present are left untouched."""
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _relax_commit_durability()
                result = _insert_batch(payloads)
                created = list(result.created_ids)
                for hook in POST_IMPORT_HOOKS:
                    # robust: a broker outage must not stop an import whose batch has
                    # committed; redact_pii and the webhook retry job pick the work up later.
                    transaction.on_commit(_bound_hook(hook, created), robust=True)
            return result
        except IntegrityError:
            # Another importer inserted one of these chats first; the retry sees it as present.
            if attempt == IMPORT_ATTEMPTS:
                raise
            logger.info("import batch raced another importer; retrying")
    raise AssertionError("unreachable")


def chat_import(*, payload: ChatPayload) -> tuple[Chat, bool]:
    """Imports one chat. Returns (chat, created)."""
    result = chats_import_batch(payloads=[payload])
    if result.created_ids:
        return Chat.objects.get(pk=result.created_ids[0]), True
    return Chat.objects.get(pk=result.existing[payload.key]), False


RejectCallback = Callable[[int, bytes, InterchangeError], None]
# (line or unit number, field, reason) of a chat imported with something worth a look.
WarningCallback = Callable[[int, str, str], None]


@dataclass
class _ChunkOutcome:
    imported: int = 0
    already_present: int = 0
    messages: int = 0
    # (line number, raw line, reason, field): plain values, so they cross a process boundary
    rejects: list[tuple[int, bytes, str, str]] = field(default_factory=list)
    # (line number, field, reason)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)


# (line number, raw line, why it is refused before validation: a repeat of an earlier line)
NumberedLine = tuple[int, bytes, str | None]


def _import_numbered_lines(numbered: list[NumberedLine]) -> _ChunkOutcome:
    """Validates and imports one chunk of numbered lines: one transaction. Runs in the importing
    process or in a worker process of the pool."""
    outcome = _ChunkOutcome()
    payloads: list[ChatPayload] = []
    numbers: dict[Key, int] = {}
    for number, raw, repeated in numbered:
        try:
            if repeated is not None:
                raise InterchangeError(repeated, "external_id")
            payload = chat_payload_from_line(raw.rstrip(b"\r\n"))
        except InterchangeError as error:
            outcome.rejects.append((number, raw, error.reason, error.field))
            continue
        payloads.append(payload)
        numbers.setdefault(payload.key, number)
    if payloads:
        result = _batch_import_counted(payloads, outcome)
        for key, warnings in result.warnings.items():
            outcome.warnings.extend((numbers[key], where, reason) for where, reason in warnings)
        outcome.warnings.sort()
    return outcome


def _batch_import_counted(payloads: Sequence[ChatPayload], counts: Any) -> ImportBatchResult:
    """Imports one batch and adds its imported / already-present / message counts to `counts`
    (an ImportSummary or a _ChunkOutcome). A chat repeated within the batch counts once."""
    result = chats_import_batch(payloads=payloads)
    counts.imported += len(result.created_ids)
    counts.already_present += len(payloads) - len(result.created_ids)
    created = {p.key: len(p.messages) for p in payloads if p.key not in result.existing}
    counts.messages += sum(created.values())
    return result


def _id_text(value: Any) -> str:
    """An identifier as the validator reads it (a string or a whole number, stripped)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def _line_key(raw: bytes) -> Key | None:
    """The (source, external_id) of a line, read cheaply; None when the validator will refuse
    the line anyway."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    source, external_id = _id_text(data.get("source")), _id_text(data.get("external_id"))
    return (source, external_id) if source and external_id else None


def duplicate_reason(first_line: int) -> str:
    return f"duplicate of line {first_line} (the same source and external_id in one file)"


def _numbered_chunks(lines: Iterable[bytes], size: int) -> Iterator[list[NumberedLine]]:
    """Numbered non-blank lines in chunks. A chat repeated in the file is marked at its line
    here, in the reading process, so it is refused whichever worker gets it (the first copy is
    imported; a re-import of the file still counts that first copy as already present)."""
    first_lines: dict[Key, int] = {}
    chunk: list[NumberedLine] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        key = _line_key(raw)
        repeated = None
        if key is not None:
            first = first_lines.setdefault(key, number)
            if first != number:
                repeated = duplicate_reason(first)
        chunk.append((number, raw, repeated))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_workers_default() -> int:
    """Two import processes on PostgreSQL (validation is pure Python, so a second process
    parses while the first one's batch is stored); one elsewhere: SQLite has one writer."""
    return min(2, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1


def chats_import_lines(
    *,
    lines: Iterable[bytes],
    on_reject: RejectCallback,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    workers: int = 1,
    on_warning: WarningCallback | None = None,
) -> ImportSummary:
    """Validates JSON Lines and imports the valid chats in batches, one transaction each.

    Blank lines are skipped; every other bad line goes to `on_reject` with its 1-based number,
    in line order. With `workers` > 1 (PostgreSQL, outside a transaction) batches are validated
    and stored by a pool of processes; results are still reported in input order.
    """
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1  # one SQLite writer; a caller's transaction cannot span processes
    summary = ImportSummary()
    chunks = _numbered_chunks(lines, batch_size)
    pool = None
    if workers > 1:
        connections.close_all()  # each worker process opens its own connection
        pool = multiprocessing.get_context("fork").Pool(workers)
        outcomes: Iterator[_ChunkOutcome] = pool.imap(_import_numbered_lines, chunks)
    else:
        outcomes = map(_import_numbered_lines, chunks)
    try:
        for outcome in outcomes:
            summary.imported += outcome.imported
            summary.already_present += outcome.already_present
            summary.messages += outcome.messages
            for number, raw, reason, where in outcome.rejects:
                summary.rejected += 1
                on_reject(number, raw, InterchangeError(reason, where))
            for number, where, reason in outcome.warnings:
                summary.warnings += 1
                if on_warning is not None:
                    on_warning(number, where, reason)
            if on_progress is not None:
                on_progress(outcome.imported + outcome.already_present + len(outcome.rejects))
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return summary


INFERABLE_SOURCES = ("unknown", "phone_number", "email_domain", "agent")
INFER_CHUNK_SIZE = 1000


def chats_country_reinfer(*, chunk_size: int = INFER_CHUNK_SIZE) -> dict[str, int]:
    """Re-runs country inference on chats whose country was inferred or is unknown.

    Countries given by the source system or verified by QA are never touched. Each chunk is its
    own transaction; re-running is harmless (an unchanged chat is not written).
    """
    from simple_history.utils import bulk_update_with_history

    examined = changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Chat.objects.filter(pk__gt=last_pk, country_source__in=INFERABLE_SOURCES)
                .select_related("customer")
                .prefetch_related("agents")
                .order_by("pk")[:chunk_size]
            )
            updates = []
            for chat in chunk:
                evidence = country_infer(
                    customer_phone=chat.customer.phone if chat.customer else "",
                    customer_email=chat.customer.email if chat.customer else "",
                    agent_countries=[agent.default_country for agent in chat.agents.all()],
                )
                new = (evidence.country, evidence.region, evidence.source, evidence.confidence)
                if new != (chat.country, chat.region, chat.country_source, chat.country_confidence):
                    chat.country, chat.region = evidence.country, evidence.region
                    chat.country_source, chat.country_confidence = new[2], new[3]
                    updates.append(chat)
            if updates:
                bulk_update_with_history(
                    updates,
                    Chat,
                    ["country", "region", "country_source", "country_confidence"],
                    default_change_reason="country re-inferred",
                )
                for hook in COUNTRY_CHANGED_HOOKS:
                    hook([chat.pk for chat in updates])
        examined += len(chunk)
        changed += len(updates)
        if len(chunk) < chunk_size:
            return {"examined": examined, "changed": changed}
        last_pk = chunk[-1].pk


def chats_import_units(
    *,
    units: Iterable[tuple[int, bytes, dict[str, Any] | InterchangeError]],
    on_reject: RejectCallback,
    batch_size: int | None = None,
    on_warning: WarningCallback | None = None,
) -> ImportSummary:
    """Imports converted units (number, original bytes, interchange dict or error) in batches.

    Every dict is validated by the one validator; a unit that fails goes to `on_reject` whole.
    """
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    summary = ImportSummary()
    pending: list[ChatPayload] = []
    numbers: dict[Key, int] = {}  # first unit of each chat in the file

    def flush() -> None:
        if pending:
            result = _batch_import_counted(pending, summary)
            found = sorted(
                (numbers[key], where, reason)
                for key, warnings in result.warnings.items()
                for where, reason in warnings
            )
            for number, where, reason in found:
                summary.warnings += 1
                if on_warning is not None:
                    on_warning(number, where, reason)
            pending.clear()

    for number, raw, chat in units:
        try:
            if isinstance(chat, InterchangeError):
                raise chat
            payload = chat_payload_from_dict(chat)
            first = numbers.setdefault(payload.key, number)
            if first != number:
                raise InterchangeError(duplicate_reason(first), "external_id")
            pending.append(payload)
        except InterchangeError as error:
            summary.rejected += 1
            on_reject(number, raw, error)
            continue
        if len(pending) >= batch_size:
            flush()
    flush()
    return summary


CLOSE_IDLE_CHUNK_SIZE = 500


def chats_idle_open(*, now: datetime) -> "QuerySet[Chat]":
    """Open chats (no ended_at) whose last message, or start when they have none, is at least
    CHAT_AUTO_CLOSE_DAYS before `now`; annotated with that moment as `last_activity_at`."""
    cutoff = now - timedelta(days=settings.CHAT_AUTO_CLOSE_DAYS)
    last_message = Subquery(
        Message.objects.filter(chat=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
    )
    return (
        Chat.objects.filter(ended_at__isnull=True)
        .annotate(last_activity_at=Coalesce(last_message, F("started_at")))
        .filter(last_activity_at__lte=cutoff)
    )


def chats_close_idle(*, now: datetime, chunk_size: int = CLOSE_IDLE_CHUNK_SIZE) -> int:
    """Closes every idle open chat at its last message (close_idle_chats job, issue #12).

    A chat the source never closed would otherwise never be declared, purged or disposed. Its
    end is the moment of its last message (its start when it has none), never `now`: retention
    counts from when the conversation really ended. Each chunk is one transaction (rows claimed
    with skip_locked); the reason is kept in the chat's history; the run is audited with its
    count. Re-running is harmless: a closed chat is no longer open.
    """
    from simple_history.utils import bulk_update_with_history

    days = settings.CHAT_AUTO_CLOSE_DAYS
    closed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = list(
                chats_idle_open(now=now)
                .filter(pk__gt=last_pk)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:chunk_size]
            )
            for chat in chunk:
                chat.ended_at = max(chat.last_activity_at, chat.started_at)  # type: ignore[attr-defined]
            if chunk:
                bulk_update_with_history(
                    chunk,
                    Chat,
                    ["ended_at"],
                    default_change_reason=f"auto-closed: idle {days} days after its last message",
                )
        closed += len(chunk)
        if len(chunk) < chunk_size:
            break
        last_pk = chunk[-1].pk
    if closed:
        audit_event_record(
            actor=None,
            action="chats.auto_closed",
            target_type="chats.chat",
            data={"closed": closed, "idle_days": days, "as_of": now.isoformat()},
        )
    logger.info("close_idle_chats: %d chats closed (idle %d days)", closed, days)
    return closed
