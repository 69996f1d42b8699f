"""Intercom REST API 2.x and 1.x: conversations (`GET /conversations/{id}`, a
`conversation.list`, or a webhook `notification_event` whose `data.item` is a conversation),
contacts (`GET /contacts/{id}`, a `contact.list`, a `list` of contacts or a plain JSON array of
them), which complete the customer of conversations in the same file, and conversation parts
exported as a separate stream (one `conversation_part` per record with its `conversation_id`, as
analytics connectors write them), joined to their conversation. Several notifications of one
conversation in a file (noted, then closed) make one chat: the latest state, every part.

Field map (see shared/formats/intercom/README.md):
- external_id `id`; started_at `created_at`; ended_at, when `state` is "closed":
  `statistics.last_close_at`, else the latest of `updated_at` and the parts' `created_at`.
- customer: `contacts.contacts[0]` {id, external_id}, completed by the contact object with that
  id (or the same external_id): name, email, phone, `location.country_code`.
- API 1.x notification items: `conversation_message` is the opening message, `user` the
  customer {id, name, email}, `assignee` an agent, `open: false` a closed conversation.
- messages: the opening `source` (2.x) or `conversation_message` (1.x), then
  `conversation_parts` in time order; each keeps its part id as external_id and its
  `attachments[]` {name, url, content_type, filesize}. Parts of type "note" are agents'
  private notes (`visibility: internal`); parts without a body or attachment (assignments,
  close, attribute updates) are events, not lines. Author type admin = agent, bot = bot,
  user/lead/contact = customer. Bodies are HTML and become plain text.
- agents: every admin author, `admin_assignee_id` and a 1.x `assignee`. Survey:
  `conversation_rating` {rating 1-5, remark}. Tags: `tags.tags[].name`.
- A conversation that yields no message, customer or agent is rejected with the shapes
  expected, never imported empty.
"""

from collections.abc import Iterator
from typing import Any

from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    INTERNAL,
    PUBLIC,
    BadDocument,
    attachment,
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
    unmapped_in_items,
    unmapped_keys,
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
MAPPED_CONVERSATION = frozenset(
    {"type", "id", "created_at", "updated_at", "source", "conversation_message",
     "conversation_parts", "admin_assignee_id", "assignee", "state", "open", "statistics",
     "contacts", "user", "conversation_rating", "tags"}
)  # fmt: skip
MAPPED_PART = frozenset(
    {"type", "id", "part_type", "body", "created_at", "author", "attachments", "conversation_id"}
)


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


def _attachments(part: dict[str, Any], where: str) -> list[dict[str, Any]]:
    files = []
    for index, item in enumerate(
        require_list(part.get("attachments") or [], f"{where}.attachments")
    ):
        path = f"{where}.attachments[{index}]"
        item = require_object(item, path)
        files.append(
            attachment(
                item.get("name"),
                item.get("content_type"),
                item.get("filesize", item.get("file_size", item.get("size"))),
                item.get("url"),
                path,
            )
        )
    return files


def _message(part: dict[str, Any], where: str, agents: dict[str, str]) -> dict[str, Any] | None:
    author = require_object(part.get("author"), f"{where}.author")
    author_type = author.get("type")
    if author_type not in AUTHOR_ROLES:
        raise InterchangeError(
            f"{author_type!r} is not an Intercom author type", f"{where}.author.type"
        )
    body = part.get("body")
    files = _attachments(part, where)
    if (body is None or body == "") and not files:
        return None
    if body is not None and not isinstance(body, str):
        raise InterchangeError(f"must be HTML text, not {type(body).__name__}", f"{where}.body")
    role = AUTHOR_ROLES[author_type]
    name = text_of(author.get("name"), f"{where}.author.name")
    message: dict[str, Any] = {
        "sender": role,
        "sent_at": timestamp_iso(part.get("created_at"), f"{where}.created_at"),
        "text": html_to_text(body or ""),
        "author": name,
        "external_id": text_of(part.get("id"), f"{where}.id"),
        "visibility": INTERNAL if part.get("part_type") in INTERNAL_PARTS else PUBLIC,
    }
    if files:
        message["attachments"] = files
    if role == "agent":
        agent_id = text_of(author.get("id"), f"{where}.author.id")
        agents.setdefault(agent_id, name)
        message["agent_external_id"] = agent_id
    return message


def _customer(
    conversation: dict[str, Any], contacts: Contacts
) -> tuple[dict[str, Any] | None, str]:
    """The customer and country: a 2.x `contacts` reference completed by the contact object,
    or the 1.x `user` object itself."""
    references = require_list(
        optional_object(conversation.get("contacts"), "contacts").get("contacts") or [],
        "contacts.contacts",
    )
    if references:
        reference = require_object(references[0], "contacts.contacts[0]")
        contact = contacts.find(reference)
        where = "contacts.contacts[0]"
    elif isinstance(conversation.get("user"), dict):
        reference = contact = {**contacts.find(conversation["user"]), **conversation["user"]}
        where = "user"
    else:
        return None, ""
    location = optional_object(contact.get("location"), "contact.location")
    customer = {
        "external_id": text_of(reference.get("id"), f"{where}.id"),
        "name": text_of(contact.get("name"), "contact.name"),
        "email": text_of(contact.get("email"), "contact.email"),
        "phone": text_of(contact.get("phone"), "contact.phone"),
    }
    return customer, country_code(location.get("country_code"))


def conversation_to_chat(conversation: dict[str, Any], contacts: Contacts) -> dict[str, Any]:
    external_id = text_of(conversation.get("id"), "id")
    if not external_id:
        raise InterchangeError("is required", "id")
    started_at = timestamp_iso(conversation.get("created_at"), "created_at")
    agents: dict[str, str] = {}
    messages: list[dict[str, Any]] = []
    opening_key = "source" if conversation.get("source") else "conversation_message"
    source = optional_object(conversation.get(opening_key), opening_key)
    if source:
        if source.get("created_at") is None:
            source = {**source, "created_at": conversation.get("created_at")}
        opening = _message(source, opening_key, agents)
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
        message = _message(part, where, agents)
        if message is not None:
            messages.append(message)
    assignee = conversation.get("admin_assignee_id")
    if assignee is not None:
        agents.setdefault(text_of(assignee, "admin_assignee_id"), "")
    legacy_assignee = optional_object(conversation.get("assignee"), "assignee")
    if legacy_assignee.get("type") == "admin" and legacy_assignee.get("id") is not None:
        name = text_of(legacy_assignee.get("name"), "assignee.name")
        agents[text_of(legacy_assignee["id"], "assignee.id")] = name

    ended_at = None
    if conversation.get("state") == "closed" or conversation.get("open") is False:
        statistics = optional_object(conversation.get("statistics"), "statistics")
        ended_at = optional_timestamp_iso(
            statistics.get("last_close_at"), "statistics.last_close_at"
        ) or latest(
            started_at,
            optional_timestamp_iso(conversation.get("updated_at"), "updated_at"),
            last_part_at,
        )

    customer, country = _customer(conversation, contacts)
    if customer is not None:
        for message in messages:
            if message["sender"] == "customer" and not message["author"]:
                message["author"] = customer["name"]
    if not messages and customer is None and not agents:
        raise InterchangeError(
            "carries no message, customer or agent (expected `source` and `contacts` of API "
            "2.x or `conversation_message` and `user` of API 1.x)"
        )
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


def conversation_unmapped(conversation: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    unmapped_keys(conversation, MAPPED_CONVERSATION, "", found)
    parts = optional_object(conversation.get("conversation_parts"), "conversation_parts")
    unmapped_in_items(parts.get("conversation_parts"), MAPPED_PART, "conversation_parts", found)
    return found


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


def _parts_of(conversation: dict[str, Any]) -> list[Any]:
    parts = conversation.get("conversation_parts")
    items = parts.get("conversation_parts") if isinstance(parts, dict) else None
    return items if isinstance(items, list) else []


def _moment(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def conversations_merged(copies: list[dict[str, Any]], stream: list[Any]) -> dict[str, Any]:
    """One conversation from several copies (notifications noted, then closed) and the parts
    exported as a separate stream: the latest copy's state, every part once, in time order."""
    ordered = sorted(copies, key=lambda c: _moment(c.get("updated_at")))
    parts: dict[str, Any] = {}
    for number, part in enumerate([*(p for c in ordered for p in _parts_of(c)), *stream]):
        key = str(part.get("id")) if isinstance(part, dict) and part.get("id") else f"#{number}"
        parts[key] = part
    if ordered:
        base = dict(ordered[-1])
    else:  # parts without their conversation: a partial chat, completed by a later import
        first = min(
            (_moment(p.get("created_at")) for p in stream if isinstance(p, dict)), default=0
        )
        base = {"type": "conversation", "id": stream[0].get("conversation_id"), "created_at": first}
    base["conversation_parts"] = {
        "type": "conversation_part.list",
        "conversation_parts": sorted(
            parts.values(), key=lambda p: _moment(p.get("created_at") if isinstance(p, dict) else 0)
        ),
    }
    return base


def _is_contact(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in {"contact", "user", "lead"}


def _contacts_of(value: Any) -> list[dict[str, Any]] | None:
    """The contacts a document holds (a contact, a contact.list or list page, or a plain JSON
    array of contacts), else None."""
    if _is_contact(value):
        return [value]
    if isinstance(value, dict) and value.get("type") in {"contact.list", "list"}:
        data = value.get("data")
        if isinstance(data, list) and all(_is_contact(item) for item in data):
            return data
    if isinstance(value, list) and value and all(_is_contact(item) for item in value):
        return value
    return None


def _stream_parts(value: Any) -> list[dict[str, Any]] | None:
    items = value if isinstance(value, list) else [value]
    if items and all(
        isinstance(item, dict)
        and item.get("type") == "conversation_part"
        and item.get("conversation_id")
        for item in items
    ):
        return items
    return None


@register_document_format(SOURCE)
def intercom_units(data: bytes) -> Iterator[ImportUnit]:
    documents = list(documents_read(data))
    contacts = Contacts()
    groups: dict[str, tuple[int, list[bytes], list[dict[str, Any]], list[Any]]] = {}
    errors: list[ImportUnit] = []

    def group(key: str, number: int) -> tuple[int, list[bytes], list[dict[str, Any]], list[Any]]:
        return groups.setdefault(key, (number, [], [], []))

    for document in documents:
        if isinstance(document, BadDocument):
            errors.append(ImportUnit(document.number, document.raw, document.error))
            continue
        found = _contacts_of(document.value)
        if found is not None:
            for contact in found:
                contacts.add(contact)
            continue
        parts = _stream_parts(document.value)
        if parts is not None:
            for part in parts:
                entry = group(str(part["conversation_id"]), document.number)
                entry[1].append(compact(part))
                entry[3].append(part)
            continue
        try:
            conversations = _conversations(document.value)
        except InterchangeError as error:
            errors.append(ImportUnit(document.number, document.raw, error))
            continue
        single = len(conversations) == 1 and not isinstance(document.value, list)
        for item in conversations:
            raw = document.raw if single else compact(item)
            if not isinstance(item, dict) or not item.get("id"):
                errors.append(
                    unit_error(document.number, raw, "not an Intercom conversation object")
                )
                continue
            entry = group(str(item["id"]), document.number)
            entry[1].append(raw)
            entry[2].append(item)
    units = list(errors)
    for number, raws, copies, stream in groups.values():
        conversation = conversations_merged(copies, stream)
        units += validated_units(
            number,
            b"\n".join(raws),
            one_chat(conversation_to_chat, conversation, contacts),
            conversation_unmapped(conversation),
        )
    yield from sorted(units, key=lambda unit: unit.number)
