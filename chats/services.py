"""Writing chats: import in batches (bulk inserts, set-based look-ups), country inference.

Import invariants: a chat is identified by (source, external_id); importing it again is a no-op;
a batch is one transaction, so a chat is never half-imported; a concurrent importer that wins a
race for the same chat makes our batch retry, after which that chat counts as already present.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from chats.country import country_infer
from chats.interchange import ChatPayload, InterchangeError, chat_payload_from_line
from chats.models import Agent, Chat, Customer, Message, Survey

logger = logging.getLogger(__name__)

Key = tuple[str, str]
# Callbacks run after a batch commits, with the ids of the chats it created (e.g. redaction).
POST_IMPORT_HOOKS: list[Callable[[list[int]], None]] = []


@dataclass
class ImportBatchResult:
    created_ids: list[int] = field(default_factory=list)
    existing: dict[Key, int] = field(default_factory=dict)


@dataclass
class ImportSummary:
    imported: int = 0
    already_present: int = 0
    rejected: int = 0
    messages: int = 0

    @property
    def total(self) -> int:
        return self.imported + self.already_present + self.rejected


def _keys_filter(keys: Iterable[Key]) -> Q:
    keys = list(keys)
    # Two IN lists, then an exact check in Python: one indexed query instead of N.
    return Q(source__in={k[0] for k in keys}, external_id__in={k[1] for k in keys})


def _existing_ids(model: type[Chat] | type[Customer] | type[Agent], keys: set[Key]) -> dict[Key, int]:
    if not keys:
        return {}
    rows = model.objects.filter(_keys_filter(keys)).values_list("source", "external_id", "pk")
    return {(source, ext): pk for source, ext, pk in rows if (source, ext) in keys}


def _upsert_customers(payloads: Sequence[ChatPayload]) -> dict[Key, int]:
    wanted: dict[Key, Customer] = {}
    for payload in payloads:
        if payload.customer is not None:
            key = (payload.source, payload.customer.external_id)
            wanted.setdefault(
                key,
                Customer(
                    source=payload.source,
                    external_id=payload.customer.external_id,
                    name=payload.customer.name,
                    email=payload.customer.email,
                    phone=payload.customer.phone,
                ),
            )
    ids = _existing_ids(Customer, set(wanted))
    new = [customer for key, customer in wanted.items() if key not in ids]
    if new:
        for customer in bulk_create_with_history(new, Customer, batch_size=500):
            ids[(customer.source, customer.external_id)] = customer.pk
    if len(ids) < len(wanted):  # backends that return no primary keys from bulk inserts
        ids = _existing_ids(Customer, set(wanted))
    return ids


def _upsert_agents(payloads: Sequence[ChatPayload]) -> tuple[dict[Key, int], dict[Key, str]]:
    wanted: dict[Key, Agent] = {}
    for payload in payloads:
        for agent in payload.agents:
            wanted.setdefault(
                (payload.source, agent.external_id),
                Agent(
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
        for agent in bulk_create_with_history(new, Agent, batch_size=500):
            key = (agent.source, agent.external_id)
            ids[key], countries[key] = agent.pk, agent.default_country
    return ids, countries


def _chat_from_payload(
    payload: ChatPayload, customer_id: int | None, agent_countries: list[str]
) -> Chat:
    customer = payload.customer
    evidence = country_infer(
        given_country=payload.country,
        given_region=payload.region,
        customer_phone=customer.phone if customer else "",
        customer_email=customer.email if customer else "",
        agent_countries=agent_countries,
    )
    return Chat(
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
        content_sha256=payload.content_sha256(),
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

    customer_ids = _upsert_customers(todo)
    agent_ids, agent_countries = _upsert_agents(todo)
    chats = [
        _chat_from_payload(
            payload,
            customer_ids.get((payload.source, payload.customer.external_id))
            if payload.customer
            else None,
            [agent_countries.get((payload.source, a.external_id), "") for a in payload.agents],
        )
        for payload in todo
    ]
    created = bulk_create_with_history(chats, Chat, batch_size=500)
    chat_ids = {(chat.source, chat.external_id): chat.pk for chat in created}
    if None in chat_ids.values():
        chat_ids = _existing_ids(Chat, set(chat_ids))

    messages: list[Message] = []
    surveys: list[Survey] = []
    chat_agents = []
    through = Chat.agents.through
    for payload in todo:
        chat_id = chat_ids[payload.key]
        agent_names = {a.external_id: a.name for a in payload.agents}
        for position, message in enumerate(payload.messages):
            agent_key = (payload.source, message.agent_external_id)
            messages.append(
                Message(
                    chat_id=chat_id,
                    position=position,
                    sender=message.sender,
                    agent_id=agent_ids.get(agent_key) if message.agent_external_id else None,
                    author_name=message.author or agent_names.get(message.agent_external_id, ""),
                    sent_at=message.sent_at,
                    text=message.text,
                )
            )
        if payload.survey is not None:
            survey = payload.survey
            surveys.append(
                Survey(
                    chat_id=chat_id,
                    rating=survey.rating,
                    resolved=survey.resolved,
                    comment=survey.comment,
                    answers=survey.answers,
                )
            )
        for agent in payload.agents:
            chat_agents.append(
                through(chat_id=chat_id, agent_id=agent_ids[(payload.source, agent.external_id)])
            )
    Message.objects.bulk_create(messages, batch_size=2000)
    Survey.objects.bulk_create(surveys, batch_size=500)
    through.objects.bulk_create(chat_agents, batch_size=1000, ignore_conflicts=True)
    result.created_ids = list(chat_ids.values())
    return result


def chats_import_batch(*, payloads: Sequence[ChatPayload]) -> ImportBatchResult:
    """Imports validated chats in one transaction; chats already present are left untouched."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                result = _insert_batch(payloads)
                created = list(result.created_ids)
                for hook in POST_IMPORT_HOOKS:
                    transaction.on_commit(lambda hook=hook: hook(created))
            return result
        except IntegrityError:
            # Another importer inserted one of these chats first; the retry sees it as present.
            if attempt == 2:
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


def chats_import_lines(
    *,
    lines: Iterable[bytes],
    on_reject: RejectCallback,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
) -> ImportSummary:
    """Validates JSON Lines one by one and imports the valid chats in batches.

    Blank lines are skipped; every other bad line goes to `on_reject` with its 1-based number.
    """
    batch_size = batch_size or settings.IMPORT_BATCH_SIZE
    summary = ImportSummary()
    pending: list[ChatPayload] = []

    def flush() -> None:
        if not pending:
            return
        result = chats_import_batch(payloads=pending)
        summary.imported += len(result.created_ids)
        summary.already_present += len(pending) - len(result.created_ids)
        created_keys = {p.key: len(p.messages) for p in pending if p.key not in result.existing}
        summary.messages += sum(created_keys.values())
        if on_progress is not None:
            on_progress(len(pending))
        pending.clear()

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            pending.append(chat_payload_from_line(raw.rstrip(b"\r\n")))
        except InterchangeError as error:
            summary.rejected += 1
            on_reject(number, raw, error)
            if on_progress is not None:
                on_progress(1)
            continue
        if len(pending) >= batch_size:
            flush()
    flush()
    return summary
