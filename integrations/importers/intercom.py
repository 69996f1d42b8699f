"""Intercom REST API (2.x): conversations (`GET /conversations/{id}`, a `conversation.list`,
or a webhook `notification_event` whose `data.item` is a conversation) and contacts
(`GET /contacts/{id}`), which complete the customer of conversations in the same file.

Field map (see shared/formats/intercom/README.md):
- external_id `id`; started_at `created_at`; ended_at, when `state` is "closed":
  `statistics.last_close_at`, else the latest of `updated_at` and the parts' `created_at`.
- customer: `contacts.contacts[0]` {id, external_id}, completed by the contact object with that
  id (or the same external_id): name, email, phone, `location.country_code`.
- messages: the opening `source` message, then `conversation_parts` in API order. Parts of type
  "note" are internal; parts without a body (assignments, attribute updates, actions) are
  events, not lines. Author type admin = agent, bot = bot, user/lead/contact = customer.
  Bodies are HTML and become plain text.
- agents: every admin author and `admin_assignee_id`. Survey: `conversation_rating`
  {rating 1-5, remark}. Tags: `tags.tags[].name`.
"""

from collections.abc import Iterator
from typing import Any

from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    BadDocument,
    Document,
    compact,
    country_code,
    documents_read,
    html_to_text,
    latest,
    one_chat,
    optional_object,
    optional_timestamp_iso,
    require_list,
    require_object,
    text_of,
    timestamp_iso,
    unit_error,
    validated_units,
)

SOURCE = "intercom"
AUTHOR_ROLES = {
    "admin": "agent",
    "bot": "bot",
    "user": "customer",
    "lead": "customer",
    "contact": "customer",
    "team": "agent",
}
INTERNAL_PARTS = frozenset({"note", "note_and_reopen"})


class Contacts:
    """Contacts of the file, found by Intercom id or by the workspace's own external_id."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_external_id: dict[str, dict[str, Any]] = {}

    def add(self, contact: dict[str, Any]) -> None:
        if contact.get("id"):
            self.by_id[str(contact["id"])] = contact
        if contact.get("external_id"):
            self.by_external_id[str(contact["external_id"])] = contact

    def find(self, reference: dict[str, Any]) -> dict[str, Any]:
        return self.by_id.get(str(reference.get("id"))) or self.by_external_id.get(
            str(reference.get("external_id")), {}
        )


def _message(part: dict[str, Any], where: str, agents: dict[str, str]) -> dict[str, Any] | None:
    author = require_object(part.get("author"), f"{where}.author")
    author_type = author.get("type")
    if author_type not in AUTHOR_ROLES:
        raise InterchangeError(
            f"{author_type!r} is not an Intercom author type", f"{where}.author.type"
        )
    body = part.get("body")
    if body is None or body == "":
        return None
    if not isinstance(body, str):
        raise InterchangeError(f"must be HTML text, not {type(body).__name__}", f"{where}.body")
    role = AUTHOR_ROLES[author_type]
    name = text_of(author.get("name"), f"{where}.author.name")
    message: dict[str, Any] = {
        "sender": role,
        "sent_at": timestamp_iso(part.get("created_at"), f"{where}.created_at"),
        "text": html_to_text(body),
        "author": name,
    }
    if role == "agent":
        agent_id = text_of(author.get("id"), f"{where}.author.id")
        agents.setdefault(agent_id, name)
        message["agent_external_id"] = agent_id
    return message


def conversation_to_chat(conversation: dict[str, Any], contacts: Contacts) -> dict[str, Any]:
    external_id = text_of(conversation.get("id"), "id")
    if not external_id:
        raise InterchangeError("is required", "id")
    started_at = timestamp_iso(conversation.get("created_at"), "created_at")
    agents: dict[str, str] = {}
    messages: list[dict[str, Any]] = []
    source = optional_object(conversation.get("source"), "source")
    if source:
        if source.get("created_at") is None:
            source = {**source, "created_at": conversation.get("created_at")}
        opening = _message(source, "source", agents)
        if opening is not None:
            messages.append(opening)
    parts_list = optional_object(conversation.get("conversation_parts"), "conversation_parts")
    parts = require_list(
        parts_list.get("conversation_parts") or [], "conversation_parts.conversation_parts"
    )
    last_part_at: str | None = None
    for index, item in enumerate(parts):
        where = f"conversation_parts[{index}]"
        part = require_object(item, where)
        last_part_at = latest(
            last_part_at, timestamp_iso(part.get("created_at"), f"{where}.created_at")
        )
        if part.get("part_type") in INTERNAL_PARTS:
            continue
        message = _message(part, where, agents)
        if message is not None:
            messages.append(message)
    assignee = conversation.get("admin_assignee_id")
    if assignee is not None:
        agents.setdefault(text_of(assignee, "admin_assignee_id"), "")

    ended_at = None
    if conversation.get("state") == "closed":
        statistics = optional_object(conversation.get("statistics"), "statistics")
        ended_at = optional_timestamp_iso(
            statistics.get("last_close_at"), "statistics.last_close_at"
        ) or latest(
            started_at,
            optional_timestamp_iso(conversation.get("updated_at"), "updated_at"),
            last_part_at,
        )

    references = require_list(
        optional_object(conversation.get("contacts"), "contacts").get("contacts") or [],
        "contacts.contacts",
    )
    customer = None
    country = ""
    if references:
        reference = require_object(references[0], "contacts.contacts[0]")
        contact = contacts.find(reference)
        location = optional_object(contact.get("location"), "contact.location")
        country = country_code(location.get("country_code"))
        customer = {
            "external_id": text_of(reference.get("id"), "contacts.contacts[0].id"),
            "name": text_of(contact.get("name"), "contact.name"),
            "email": text_of(contact.get("email"), "contact.email"),
            "phone": text_of(contact.get("phone"), "contact.phone"),
        }
        for message in messages:
            if message["sender"] == "customer" and not message["author"]:
                message["author"] = customer["name"]

    rating = optional_object(conversation.get("conversation_rating"), "conversation_rating")
    survey = None
    if rating:
        survey = {
            "rating": rating.get("rating"),
            "comment": text_of(rating.get("remark"), "conversation_rating.remark"),
        }
    tags = require_list(
        optional_object(conversation.get("tags"), "tags").get("tags") or [], "tags.tags"
    )
    return {
        "external_id": external_id,
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": ended_at,
        "country": country,
        "customer": customer,
        "agents": [{"external_id": key, "name": name} for key, name in agents.items()],
        "messages": messages,
        "survey": survey,
        "tags": [
            text_of(optional_object(tag, "tags.tags[]").get("name"), "tags.tags[].name")
            for tag in tags
        ],
    }


def _conversations(value: Any) -> list[Any]:
    """The conversations a document holds (a notification envelope or list wraps them)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        raise InterchangeError("not a JSON object")
    kind = value.get("type")
    if kind == "notification_event":
        data = require_object(value.get("data"), "data")
        item = require_object(data.get("item"), "data.item")
        if item.get("type") != "conversation":
            raise InterchangeError(
                f"notification topic {value.get('topic')!r} carries no conversation",
                "data.item.type",
            )
        return [item]
    if kind == "conversation.list":
        return require_list(value.get("conversations"), "conversations")
    if kind == "conversation":
        return [value]
    raise InterchangeError(
        f"{kind!r} is not an Intercom conversation, contact or notification_event", "type"
    )


@register_document_format(SOURCE)
def intercom_units(data: bytes) -> Iterator[ImportUnit]:
    documents = list(documents_read(data))
    contacts = Contacts()
    for document in documents:
        if isinstance(document, Document) and isinstance(document.value, dict):
            if document.value.get("type") == "contact":
                contacts.add(document.value)
            elif document.value.get("type") == "contact.list":
                for contact in document.value.get("data") or []:
                    if isinstance(contact, dict):
                        contacts.add(contact)
    for document in documents:
        if isinstance(document, BadDocument):
            yield ImportUnit(document.number, document.raw, document.error)
            continue
        if isinstance(document.value, dict) and document.value.get("type") in {
            "contact",
            "contact.list",
        }:
            continue
        try:
            conversations = _conversations(document.value)
        except InterchangeError as error:
            yield ImportUnit(document.number, document.raw, error)
            continue
        single = len(conversations) == 1 and not isinstance(document.value, list)
        for item in conversations:
            raw = document.raw if single else compact(item)
            if not isinstance(item, dict):
                yield unit_error(document.number, raw, "not an Intercom conversation object")
                continue
            yield from validated_units(
                document.number, raw, one_chat(conversation_to_chat, item, contacts)
            )
