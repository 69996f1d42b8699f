"""Importing one batch of validated chats: bulk inserts, set-based look-ups, one transaction.

Import invariants: a chat is identified by (source, external_id); importing it again is a no-op;
a batch is one transaction, so a chat is never half-imported; a concurrent importer that wins a
race for the same chat makes our batch retry, after which that chat counts as already present.
After a batch commits, `chats.hooks.chats_imported` is sent with the chats it created.
"""

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chats.country import country_infer
from chats.hooks import ChatsImported, chats_imported
from chats.interchange import ChatPayload
from chats.models import Agent, Chat, Customer, Message, Survey
from core.db import commit_durability_relax, history_write, ids_allocate, rows_insert
from core.db.history import rows_update_with_history

logger = logging.getLogger(__name__)

Key = tuple[str, str]
# A batch that loses a race for a new customer or agent to a concurrent import is retried; the
# retry finds the row present. Parallel workers share agents, so allow a few rounds.
IMPORT_ATTEMPTS = 3
MESSAGE_FIELDS = ("chat_id", "position", "sender", "agent_id", "author_name", "sent_at", "text")

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


IDENTITY_FIELDS = ("name", "email", "phone")
IDENTITY_COMPLETED_REASON = "identity completed by a later chat"


def _identity_fill(target: Any, source: Any) -> list[str]:
    """Fills the identity fields `target` lacks from `source` (never overwrites one: a value
    that disagrees is a conflict to look at, not an update). Returns the fields filled."""
    filled = []
    for name in IDENTITY_FIELDS:
        value = getattr(source, name, "") or ""
        if value and not getattr(target, name):
            setattr(target, name, value)
            filled.append(name)
    return filled


def _stored_identities_complete(
    wanted: dict[Key, SimpleNamespace], ids: dict[Key, int], *, now: datetime
) -> None:
    """A stored customer whose name, e-mail or phone is empty gets it from a later chat that
    carries it (identity is no longer first-write-wins, issue #20 item 9)."""
    lacking = Customer.objects.filter(pk__in=list(ids.values())).filter(
        Q(name="") | Q(email="") | Q(phone="")
    )
    by_key = {key: row for key, row in wanted.items() if key in ids}
    changed, fields = [], set()
    for customer in lacking:
        filled = _identity_fill(customer, by_key[(customer.source, customer.external_id)])
        if filled:
            changed.append(customer)
            fields.update(filled)
    if changed:
        rows_update_with_history(
            Customer, changed, sorted(fields), reason=IDENTITY_COMPLETED_REASON, when=now
        )


def _upsert_customers(
    payloads: Sequence[ChatPayload], *, now: datetime, known_emails: dict[Key, str] | None = None
) -> dict[Key, int]:
    """Creates the customers not yet stored; `known_emails` receives the stored customers'
    emails (from the same query)."""
    wanted: dict[Key, SimpleNamespace] = {}
    for payload in payloads:
        if payload.customer is not None:
            key = (payload.source, payload.customer.external_id)
            row = wanted.setdefault(
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
            _identity_fill(row, payload.customer)
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
        _stored_identities_complete(wanted, ids, now=now)
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


def _receiver_after_commit(
    receiver: Callable[[ChatsImported], None], event: ChatsImported
) -> Callable[[], None]:
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
                result = _insert_batch(payloads)
                event = ChatsImported(chat_ids=tuple(result.created_ids))
                for receiver in chats_imported.receivers:
                    # robust, one on_commit per receiver: a broker outage must not stop an
                    # import whose batch has committed, nor one receiver's failure the others;
                    # redact_pii and the webhook retry job pick the work up later.
                    transaction.on_commit(_receiver_after_commit(receiver, event), robust=True)
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
