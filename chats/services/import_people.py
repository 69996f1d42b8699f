"""The customers and agents of an import batch: looked up set-based, created in bulk with their
history, completed (never overwritten) by later chats; plus the warnings about them."""

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db.models import Q

from chats.interchange import ChatPayload
from chats.models import Agent, Chat, Customer
from core.db import any_of_texts, history_write, ids_allocate, rows_insert
from core.db.history import rows_update_with_history, values_getter

Key = tuple[str, str]
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


def keys_filter(keys: Iterable[Key]) -> Q:
    keys = list(keys)
    # Two lists, then an exact check in Python: one indexed query instead of N. Each list is
    # one array parameter on PostgreSQL (any_of_texts): Django's IN list of a thousand
    # placeholders cost more than the query.
    return Q(
        any_of_texts("source", {k[0] for k in keys}),
        any_of_texts("external_id", {k[1] for k in keys}),
    )


def existing_ids(
    model: type[Chat] | type[Customer] | type[Agent], keys: set[Key]
) -> dict[Key, int]:
    if not keys:
        return {}
    rows = model.objects.filter(keys_filter(keys)).values_list("source", "external_id", "pk")
    return {(source, ext): pk for source, ext, pk in rows if (source, ext) in keys}


ImportModel = type[Chat] | type[Customer] | type[Agent]


@functools.cache
def field_defaults(model: ImportModel) -> dict[str, Any]:
    return {field.attname: field.get_default() for field in model._meta.concrete_fields}


def new_row(model: ImportModel, **values: Any) -> SimpleNamespace:
    """A new row as plain attributes: building Django model instances for tens of thousands of
    rows costs more than writing them. Fields not given take the model's defaults."""
    return SimpleNamespace(**{**field_defaults(model), **values})


def insert_with_history(model: ImportModel, rows: list[SimpleNamespace], *, now: datetime) -> None:
    """COPY/bulk-inserts new rows with their ids (reserved up front where the database can,
    read back by key elsewhere) and writes their history rows."""
    fields = [field.attname for field in model._meta.concrete_fields]
    reserved = ids_allocate(model, len(rows))
    if reserved is not None:
        for row, pk in zip(rows, reserved, strict=True):
            row.id = pk
    else:
        fields.remove("id")
    values_of = values_getter(fields)
    rows_insert(model, fields, (values_of(row) for row in rows))
    if reserved is None:
        ids = existing_ids(model, {(row.source, row.external_id) for row in rows})
        for row in rows:
            row.id = ids[(row.source, row.external_id)]
    history_write(model, rows, when=now, reason="imported")


def customer_conflicts(
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


def unknown_agents(payload: ChatPayload) -> list[ImportWarning]:
    listed = {agent.external_id for agent in payload.agents}
    return [
        (f"messages[{index}].agent_external_id", UNKNOWN_AGENT_REASON)
        for index, message in enumerate(payload.messages)
        if message.agent_external_id and message.agent_external_id not in listed
    ]


IDENTITY_FIELDS = ("name", "email", "phone")
IDENTITY_COMPLETED_REASON = "identity completed by a later chat"


def identity_fill(target: Any, source: Any) -> list[str]:
    """Fills the identity fields `target` lacks from `source` (never overwrites one: a value
    that disagrees is a conflict to look at, not an update). Returns the fields filled."""
    filled = []
    for name in IDENTITY_FIELDS:
        value = getattr(source, name, "") or ""
        if value and not getattr(target, name):
            setattr(target, name, value)
            filled.append(name)
    return filled


def stored_identities_complete(
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
        filled = identity_fill(customer, by_key[(customer.source, customer.external_id)])
        if filled:
            changed.append(customer)
            fields.update(filled)
    if changed:
        rows_update_with_history(
            Customer, changed, sorted(fields), reason=IDENTITY_COMPLETED_REASON, when=now
        )


def upsert_customers(
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
                new_row(
                    Customer,
                    source=payload.source,
                    external_id=payload.customer.external_id,
                    name=payload.customer.name,
                    email=payload.customer.email,
                    phone=payload.customer.phone,
                    created_at=now,
                ),
            )
            identity_fill(row, payload.customer)
    ids: dict[Key, int] = {}
    if wanted:
        rows = Customer.objects.filter(keys_filter(wanted)).values_list(
            "source", "external_id", "pk", "email"
        )
        for source, ext, pk, email in rows:
            if (source, ext) in wanted:
                ids[(source, ext)] = pk
                if known_emails is not None:
                    known_emails[(source, ext)] = email
        stored_identities_complete(wanted, ids, now=now)
    new = [customer for key, customer in wanted.items() if key not in ids]
    if new:
        insert_with_history(Customer, new, now=now)
        ids.update({(customer.source, customer.external_id): customer.id for customer in new})
    return ids


def upsert_agents(
    payloads: Sequence[ChatPayload], *, now: datetime
) -> tuple[dict[Key, int], dict[Key, str]]:
    wanted: dict[Key, SimpleNamespace] = {}
    for payload in payloads:
        for agent in payload.agents:
            wanted.setdefault(
                (payload.source, agent.external_id),
                new_row(
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
    rows = Agent.objects.filter(keys_filter(wanted)).values_list(
        "source", "external_id", "pk", "default_country"
    )
    ids: dict[Key, int] = {}
    countries: dict[Key, str] = {}
    for source, ext, pk, country in rows:
        if (source, ext) in wanted:
            ids[(source, ext)], countries[(source, ext)] = pk, country
    new = [agent for key, agent in wanted.items() if key not in ids]
    if new:
        insert_with_history(Agent, new, now=now)
        for new_agent in new:
            key = (new_agent.source, new_agent.external_id)
            ids[key], countries[key] = new_agent.id, new_agent.default_country
    return ids, countries
