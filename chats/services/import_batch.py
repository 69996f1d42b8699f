"""Importing one batch of validated chats: bulk inserts, set-based look-ups, one transaction.

Import invariants: a chat is identified by (source, external_id); importing it again is a no-op;
a batch is one transaction, so a chat is never half-imported; a concurrent importer that wins a
race for the same chat makes our batch retry, after which that chat counts as already present.
After a batch commits, `chats.hooks.chats_imported` is sent with the chats it created.
"""

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.country import country_infer
from chats.hooks import ChatsImported, ChatsUpdated, chats_imported, chats_updated
from chats.interchange import ChatPayload
from chats.models import Chat, Message, Survey
from chats.services.import_people import (
    ImportWarning,
    Key,
    customer_conflicts,
    insert_with_history,
    keys_filter,
    new_row,
    unknown_agents,
    upsert_agents,
    upsert_customers,
)
from chats.services.import_rows import (
    MESSAGE_FIELDS,
    message_rows,
    source_documents_insert,
    source_documents_insert_returning_ids,
    source_documents_kept,
)
from chats.services.import_update import (
    LaterCopiesOutcome,
    LaterCopy,
    corrections_record,
    later_copies_apply,
)
from core.db import commit_durability_relax, rows_insert

logger = logging.getLogger(__name__)

# A batch that loses a race for a new customer or agent to a concurrent import is retried; the
# retry finds the row present. Parallel workers share agents, so allow a few rounds.
IMPORT_ATTEMPTS = 3


@dataclass
class ImportBatchResult:
    created_ids: list[int] = field(default_factory=list)
    existing: dict[Key, int] = field(default_factory=dict)  # every chat already stored
    warnings: dict[Key, list[ImportWarning]] = field(default_factory=dict)
    updated_ids: list[int] = field(default_factory=list)  # completed by a later copy
    corrected_ids: list[int] = field(default_factory=list)  # declared: kept as a correction

    def outcome_of(self, key: Key) -> str:
        """`created`, `updated`, `correction` or `unchanged` for one chat of the batch."""
        chat_id = self.existing.get(key)
        if chat_id is None:
            return CREATED
        if chat_id in self.updated_ids:
            return UPDATED
        return CORRECTION if chat_id in self.corrected_ids else UNCHANGED


CREATED, UPDATED, UNCHANGED, CORRECTION = "created", "updated", "unchanged", "correction"


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
    return new_row(
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


def _stored_chats(unique: dict[Key, ChatPayload]) -> tuple[dict[Key, int], list[LaterCopy]]:
    """The chats of the batch already stored, and the later copies among them: those whose
    content hash differs (one indexed query, as for the ids alone)."""
    ids: dict[Key, int] = {}
    copies: list[LaterCopy] = []
    rows = Chat.objects.filter(keys_filter(unique)).values_list(
        "source", "external_id", "pk", "content_sha256", "locked_at"
    )
    for source, external_id, pk, sha, locked_at in rows:
        payload = unique.get((source, external_id))
        if payload is None:
            continue
        ids[(source, external_id)] = pk
        if payload.content_sha256 and payload.content_sha256 != sha:
            copies.append(LaterCopy(payload=payload, chat_id=pk, declared=locked_at is not None))
    if copies:  # a copy received before (kept as a document) is not new either
        kept = source_documents_kept([(c.chat_id, c.payload.content_sha256) for c in copies])
        copies = [c for c in copies if (c.chat_id, c.payload.content_sha256) not in kept]
    return ids, copies


def _later_copies(
    copies: list[LaterCopy], result: ImportBatchResult, *, now: datetime
) -> LaterCopiesOutcome:
    undeclared = [copy.payload for copy in copies if not copy.declared]
    customer_ids = upsert_customers(undeclared, now=now)
    agent_ids, _ = upsert_agents(undeclared, now=now)
    outcome = later_copies_apply(
        copies=copies, customer_ids=customer_ids, agent_ids=agent_ids, now=now
    )
    by_id = {copy.chat_id: copy.payload for copy in copies}
    corrected_ids = {chat_id for chat_id, _, _ in outcome.corrections}
    # Every new copy is kept; those a correction points to are inserted with their ids.
    source_documents_insert(
        ((i, by_id[i]) for i in outcome.updated_ids if i not in corrected_ids), now=now
    )
    documents = source_documents_insert_returning_ids(
        [(chat_id, by_id[chat_id]) for chat_id in sorted(corrected_ids)], now=now
    )
    corrections = corrections_record(outcome.corrections, documents, now=now)
    result.updated_ids = outcome.updated_ids
    result.corrected_ids = [c.chat_id for c in corrections if c.chat_id not in outcome.updated_ids]
    if corrections:
        audit_event_record(
            actor=None,
            action="chat.correction_received",
            data={
                "chats": sorted({c.chat_id for c in corrections}),
                "corrections": [c.pk for c in corrections],
            },
        )
    return outcome


def _insert_batch(payloads: Sequence[ChatPayload]) -> tuple[ImportBatchResult, list[int]]:
    """Returns the result and the chats that ended through an update."""
    result = ImportBatchResult()
    unique: dict[Key, ChatPayload] = {}
    for payload in payloads:
        unique.setdefault(payload.key, payload)  # a chat repeated in one batch: first wins
    result.existing, copies = _stored_chats(unique)
    todo = [payload for key, payload in unique.items() if key not in result.existing]
    now = timezone.now()
    newly_ended = _later_copies(copies, result, now=now).newly_ended_ids if copies else []
    if not todo:
        return result, newly_ended

    known_emails: dict[Key, str] = {}
    customer_ids = upsert_customers(todo, now=now, known_emails=known_emails)
    result.warnings = customer_conflicts(todo, known_emails)
    for payload in todo:
        if unknown := unknown_agents(payload):
            result.warnings.setdefault(payload.key, []).extend(unknown)
    agent_ids, agent_countries = upsert_agents(todo, now=now)
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
    insert_with_history(Chat, chats, now=now)
    chat_ids = {(chat.source, chat.external_id): chat.id for chat in chats}

    messages: list[tuple[object, ...]] = []
    surveys: list[tuple[object, ...]] = []
    chat_agents: set[tuple[int, int]] = set()
    for payload in todo:
        chat_id = chat_ids[payload.key]
        messages += message_rows(
            chat_id,
            payload.messages,
            source=payload.source,
            agent_ids=agent_ids,
            agent_names={a.external_id: a.name for a in payload.agents},
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
    source_documents_insert(((chat_ids[p.key], p) for p in todo), now=now)
    result.created_ids = list(chat_ids.values())
    return result, newly_ended


def _receiver_after_commit(receiver: Callable[[Any], None], event: object) -> Callable[[], None]:
    # A named function, not functools.partial: robust on_commit logs the callable's __qualname__.
    def chats_imported_receive() -> None:
        receiver(event)

    chats_imported_receive.__qualname__ = getattr(receiver, "__qualname__", repr(receiver))
    return chats_imported_receive


def chats_import_batch(*, payloads: Sequence[ChatPayload]) -> ImportBatchResult:
    """Imports validated chats in one transaction; chats already present are left untouched."""
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                # A crash loses only the last batches, and re-importing the file restores them.
                commit_durability_relax()
                result, newly_ended = _insert_batch(payloads)
                event = ChatsImported(chat_ids=tuple(result.created_ids))
                for receiver in chats_imported.receivers:
                    # robust, one on_commit per receiver: a broker outage must not stop an
                    # import whose batch has committed, nor one receiver's failure the others;
                    # redact_pii and the webhook retry job pick the work up later.
                    transaction.on_commit(_receiver_after_commit(receiver, event), robust=True)
                if result.updated_ids:
                    updated = ChatsUpdated(
                        chat_ids=tuple(result.updated_ids), ended_chat_ids=tuple(newly_ended)
                    )
                    for listener in chats_updated.receivers:
                        transaction.on_commit(
                            _receiver_after_commit(listener, updated), robust=True
                        )
            return result
        except IntegrityError:
            # Another importer inserted one of these chats first; the retry sees it as present.
            if attempt == IMPORT_ATTEMPTS:
                raise
            logger.info("import batch raced another importer; retrying")
    raise AssertionError("unreachable")


def chat_import_outcome(
    *,
    payload: ChatPayload,
    source_document: bytes | dict[str, Any] | None = None,
    source_format: str | None = None,
) -> tuple[Chat, str]:
    """Imports one chat (or a later copy of it, SPEC §3). Returns the chat and the outcome:
    `created`, `updated`, `unchanged` or `correction`. `source_document`: the document as
    received when it is not the payload's own (a webhook's body, a vendor's object), kept with
    the chat; `source_format` names where it came from (e.g. "chatwoot-webhook")."""
    if source_document is not None or source_format is not None:
        payload = source_document_replace(payload, source_document, source_format)
    result = chats_import_batch(payloads=[payload])
    outcome = result.outcome_of(payload.key)
    chat_id = result.created_ids[0] if outcome == CREATED else result.existing[payload.key]
    return Chat.objects.get(pk=chat_id), outcome


def source_document_replace(
    payload: ChatPayload, document: bytes | dict[str, Any] | None, source_format: str | None
) -> ChatPayload:
    if isinstance(document, dict):
        document = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return dataclasses.replace(
        payload,
        source_document=payload.source_document if document is None else document,
        source_format=source_format or payload.source_format,
    )


def chat_import(
    *,
    payload: ChatPayload,
    source_document: bytes | dict[str, Any] | None = None,
    source_format: str | None = None,
) -> tuple[Chat, bool]:
    """Imports one chat. Returns (chat, created)."""
    chat, outcome = chat_import_outcome(
        payload=payload, source_document=source_document, source_format=source_format
    )
    return chat, outcome == CREATED
