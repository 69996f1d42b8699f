"""Declaring records: the work of the `declare_records` job (R-REC-1, R-REC-2).

Invariants: one Record per closed chat (the one-to-one key enforces it even against a concurrent
run; candidates are claimed by id with select_for_update(skip_locked)); each chunk is one
transaction that declares, locks the transcript, computes retention and sends
`records.hooks.records_declared` (retention applies the active legal holds) together, so a
declared record is never without its holds. A chat no active rule matches is left undeclared
(and so never disposed) and reported. One chat that fails never stops the run (issue #12): its
chunk is retried chat by chat in savepoints (core.isolation), the others are declared, it is
counted in `failed` and declared by a later run. Resumable: a run killed mid-way has committed
every chunk before the open one, and the next run claims only chats still without a record.

Set-based (issue #19): a chunk costs a fixed number of statements whatever its size — the
chats' few columns, ONE read of their messages (rule counts, keyword text and the original
layer's digest all come from it, sent_at as integer microseconds computed by the database),
one of their surveys, the records COPYed with ids reserved from their sequence (PostgreSQL),
their history rows COPYed, the transcript lock as one UPDATE and its history as one
INSERT … SELECT.
"""

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_event_record
from chats.digests import MessageRow, SurveyRow, transcript_digest
from chats.models import Chat, Message, MessageVisibility, SenderRole, Survey
from core.batching import chunks_process, ids_after
from core.db import (
    any_of,
    epoch_microseconds,
    epoch_microseconds_of,
    history_copy,
    history_write,
    ids_allocate,
    rows_insert,
    tables_analyze_after_bulk,
    tables_vacuum_after_bulk,
    values_getter,
    writer_processes_allowed,
)
from core.isolation import chunk_process_isolated
from outbox.services import webhook_events_emit
from records.hooks import RecordsDeclared, records_declared
from records.models import DeclarationRule, Record
from records.recompute import records_retention_fill
from records.rules import ChatSummary, declaration_rule_first

logger = logging.getLogger(__name__)

DECLARE_CHUNK_SIZE = 1000
# What a declaration reads of a chat: rules, retention, webhook payload.
CHAT_FIELDS = (
    "id",
    "source",
    "external_id",
    "country",
    "region",
    "customer_id",
    "ended_at",
    "tags",
)
LOCK_REASON = "record declared: transcript locked"


@dataclass
class DeclareSummary:
    declared: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    undeclared: list[int] = field(default_factory=list)  # chat ids no rule matched
    holds_applied: int = 0
    failed: list[int] = field(default_factory=list)  # chat ids isolated this run (issue #12)

    def add(self, other: "DeclareSummary") -> None:
        self.declared += other.declared
        for code, n in other.by_class.items():
            self.by_class[code] = self.by_class.get(code, 0) + n
        self.undeclared.extend(other.undeclared)
        self.holds_applied += other.holds_applied


def chats_to_declare(*, now: datetime) -> Q:
    return Q(ended_at__isnull=False, ended_at__lte=now, record__isnull=True)


@dataclass
class _Transcripts:
    """One read of a chunk's messages and surveys, for rules and digests alike."""

    messages: dict[int, list[MessageRow]]
    surveys: dict[int, SurveyRow]
    # Positions of agents' internal notes: part of the record (and its digest), but not taking
    # part in the conversation that declaration rules look at (SPEC §3).
    internal: dict[int, set[int]]


def _transcripts(chat_ids: list[int], *, need_survey: bool = True) -> _Transcripts:
    messages: dict[int, list[MessageRow]] = {chat_id: [] for chat_id in chat_ids}
    rows = (
        Message.objects.filter(any_of("chat_id", chat_ids))
        .order_by("chat_id", "position")
        .values_list(
            "chat_id", "position", "sender", epoch_microseconds_of("sent_at"), "text", "visibility"
        )
    )
    internal: dict[int, set[int]] = {}
    for chat_id, position, sender, sent, text, visibility in rows:
        messages[chat_id].append((position, sender, epoch_microseconds(sent), text))
        if visibility == MessageVisibility.INTERNAL:
            internal.setdefault(chat_id, set()).add(position)
    surveys: dict[int, SurveyRow] = {}
    if need_survey:
        for chat_id, rating, resolved, comment, answers in Survey.objects.filter(
            any_of("chat_id", chat_ids)
        ).values_list("chat_id", "rating", "resolved", "comment", "answers"):
            surveys[chat_id] = (rating, resolved, comment, answers)
    return _Transcripts(messages=messages, surveys=surveys, internal=internal)


def _summary(chat: Chat, transcripts: _Transcripts, *, need_text: bool) -> ChatSummary:
    notes = transcripts.internal.get(chat.pk, set())
    messages = [m for m in transcripts.messages[chat.pk] if m[0] not in notes]
    customer = sum(1 for message in messages if message[1] == SenderRole.CUSTOMER)
    agent = sum(1 for message in messages if message[1] == SenderRole.AGENT)
    text = ""
    if need_text:
        parts = [message[3] or "" for message in messages]
        survey = transcripts.surveys.get(chat.pk)
        if survey is not None:
            parts.append(survey[2] or "")
        text = "\n".join(parts).lower()
    return ChatSummary(
        source=chat.source,
        country=chat.country,
        customer_messages=customer,
        agent_messages=agent,
        tags=frozenset(str(tag).lower() for tag in (chat.tags or [])),
        text=text,
    )


def chat_summaries(chats: list[Chat], *, need_text: bool) -> dict[int, ChatSummary]:
    """What declaration rules look at, for many chats in two queries."""
    transcripts = _transcripts([chat.pk for chat in chats], need_survey=need_text)
    return {chat.pk: _summary(chat, transcripts, need_text=need_text) for chat in chats}


def _records_insert(records: list[Record]) -> None:
    """Saves new records: COPY with ids reserved from the sequence on PostgreSQL, bulk_create
    (which returns the ids) elsewhere."""
    ids = ids_allocate(Record, len(records))
    if ids is None:
        Record.objects.bulk_create(records, batch_size=500)
        return
    for record, pk in zip(records, ids, strict=True):
        record.pk = pk
    fields = [f.attname for f in Record._meta.concrete_fields]
    values_of = values_getter(fields)
    rows_insert(Record, fields, (values_of(record) for record in records))


def _declare_chunk(
    chats: Sequence[Chat], rules: list[DeclarationRule], now: datetime
) -> DeclareSummary:
    summary = DeclareSummary()
    need_text = any(rule.keywords for rule in rules)
    transcripts = _transcripts([chat.pk for chat in chats])
    records: list[Record] = []
    for chat in chats:
        rule = declaration_rule_first(rules, _summary(chat, transcripts, need_text=need_text))
        if rule is None:
            summary.undeclared.append(chat.pk)
            continue
        records.append(
            Record(
                chat=chat,
                record_class=rule.record_class,
                declared_at=now,
                declared_by_rule=rule,
                # The original layer as declared: verify_transcripts proves it unchanged.
                transcript_sha256=transcript_digest(
                    transcripts.messages[chat.pk], transcripts.surveys.get(chat.pk)
                ),
            )
        )
    if not records:
        return summary
    records_retention_fill(records, now=now)
    _records_insert(records)
    history_write(Record, records, reason="declared", when=timezone.now())
    locked_ids = [record.chat_id for record in records]
    Chat.objects.filter(any_of("pk", locked_ids)).update(locked_at=now)
    history_copy(Chat, locked_ids, when=timezone.now(), reason=LOCK_REASON)
    summary.holds_applied += sum(
        records_declared.send(RecordsDeclared(record_ids=tuple(r.pk for r in records), now=now))
    )
    webhook_events_emit(event="record.declared", payloads=[_payload(r) for r in records])
    summary.declared += len(records)
    for record in records:
        code = record.record_class.code
        summary.by_class[code] = summary.by_class.get(code, 0) + 1
    return summary


def _payload(record: Record) -> dict[str, Any]:
    return {
        "record": record.pk,
        "chat": record.chat_id,
        "chat_external_id": record.chat.external_id,
        "source": record.chat.source,
        "record_class": record.record_class.code,
        "jurisdiction": record.jurisdiction,
        "disposition_due": record.disposition_due,
    }


def declare_workers(requested: int | None = None) -> int:
    """`requested` (default DECLARE_WORKERS) connections on PostgreSQL; one on SQLite (a single
    writer) and inside a caller's transaction (other connections could not see its chats)."""
    return writer_processes_allowed(
        max(1, settings.DECLARE_WORKERS if requested is None else requested)
    )


class _Windows:
    """Hands out consecutive id windows of `queryset` to the connections declaring at once:
    each window goes to exactly one of them, in id order."""

    def __init__(self, queryset: QuerySet[Chat], chunk_size: int) -> None:
        self._queryset = queryset
        self._chunk_size = chunk_size
        self._after: int | None = None
        self._exhausted = False
        self._lock = threading.Lock()

    def next(self) -> list[int]:
        with self._lock:
            if self._exhausted:
                return []
            window = ids_after(self._queryset, self._after, self._chunk_size)
            if len(window) < self._chunk_size:
                self._exhausted = True
            if window:
                self._after = window[-1]
            return window


def records_declare(
    *, now: datetime, chunk_size: int = DECLARE_CHUNK_SIZE, workers: int | None = None
) -> DeclareSummary:
    """Declares a record for every chat closed by `now` that has none (declare_records job),
    on `declare_workers(workers)` connections at once."""
    summary = DeclareSummary()
    rules = list(
        DeclarationRule.objects.filter(is_active=True)
        .select_related("record_class")
        .order_by("position", "pk")
    )
    if not rules:
        logger.warning("declare_records: no active declaration rules; nothing declared")
        return summary
    # Claimed by id window: the next `chunk_size` closed chats by id (an index range), then
    # those of them still without a record, locked. A claim that joined every chat to every
    # record cost O(table) per chunk (0.4 s a chunk at 83,000 records: quadratic at 10 M).
    ended = Chat.objects.filter(ended_at__isnull=False, ended_at__lte=now)
    first = ended.filter(record__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return summary
    windows = _Windows(ended.filter(pk__gte=first), chunk_size)
    claimable = (
        Chat.objects.filter(chats_to_declare(now=now))
        .only(*CHAT_FIELDS)
        .select_for_update(skip_locked=True, of=("self",))
    )
    tally = threading.Lock()

    def declare(window: Sequence[int]) -> None:
        chats = list(claimable.filter(any_of("pk", window)).order_by("pk"))
        if not chats:
            return
        outcomes, failed = chunk_process_isolated(
            chats,
            lambda group: _declare_chunk(group, rules, now),
            job="declare_records",
            item_id=lambda chat: chat.pk,
        )
        with tally:
            for outcome in outcomes:
                summary.add(outcome)
            summary.failed.extend(failed)
        audit_event_record(
            actor=None,
            action="records.declared",
            target_type="records.record",
            data={
                "chats": len(chats),
                "first_chat": chats[0].pk,
                "last_chat": chats[-1].pk,
                "failed": failed,
            },
        )

    def declare_windows(own_connection: bool) -> None:
        try:
            chunks_process(
                claim=lambda _after: windows.next(),
                process=declare,
                chunk_size=chunk_size,
                label="declare_records",
            )
        finally:
            if own_connection:
                connections.close_all()

    workers = declare_workers(workers)
    if workers > 1:
        # Half of a chunk's time is PostgreSQL's: a second connection declares the next window
        # meanwhile (measured in docs/scaling.md). Each window is one connection's own chats.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(declare_windows, True) for _ in range(workers)]:
                future.result()
    else:
        declare_windows(False)
    tables_analyze_after_bulk([Record, Record.history.model], summary.declared)
    # Every declared chat's row was rewritten by its transcript lock.
    tables_vacuum_after_bulk([Chat], summary.declared)
    logger.info("declare_records: %s", summary)
    return summary
