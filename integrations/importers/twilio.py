"""Twilio Conversations API v1: conversation resources, message pages and participant
resources (or pages), as `GET /v1/Conversations/{Sid}`, `…/Messages` and `…/Participants`
return them, in one file (`cat conversation.json messages.json participants.json`) or in
separate files imported one after the other: documents are grouped by conversation sid, one
chat per conversation, and messages or participants without their conversation resource make a
partial chat (started at the earliest message or participant) that the later files complete
through the update rule (SPEC §3).

Field map (see shared/formats/twilio_conversations/README.md):
- external_id `sid`; started_at `date_created`; ended_at `timers.date_closed` (or
  `date_updated`) once `state` is "closed" (timers of an active conversation are only planned).
- participants: `attributes.role` when it names one of our roles; otherwise a participant
  with a `messaging_binding` (SMS/WhatsApp: the customer's phone in `address`) is the customer
  and one with only a chat `identity` is an agent (contact-centre agents use the SDK).
- customer: the customer participant: phone from `messaging_binding.address` (the country is
  then inferred from it, R-CHAT-2), name from `attributes.name`.
- messages, in `index` order: sender from the author's participant (`participant_sid`, else the
  author's identity/address); an unknown phone-number author is the customer, and when the
  file has no participants at all a chat-identity author is an agent; `body`; `media[]` as
  attachments ({sid, filename, content_type, size} in the REST resource, `Sid`/`MediaSid`,
  `Filename`, `ContentType`, `Size` in webhooks and Event Streams); `date_created`; the
  message `sid` is the external_id.
- survey: conversation `attributes` {"rating": 1-5, "comment"} if the app stores one (the API
  has no survey). Tags: `attributes.tags` and `attributes.topic`.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    BadDocument,
    attachment,
    documents_read,
    one_chat,
    optional_object,
    optional_timestamp_iso,
    require_list,
    require_object,
    text_of,
    timestamp_iso,
    unmapped_in_items,
    validated_units,
)

SOURCE = "twilio"
ROLES = frozenset({"customer", "agent", "bot", "system"})
MAPPED_CONVERSATION = frozenset(
    {"sid", "date_created", "date_updated", "state", "timers", "attributes"}
)
MAPPED_MESSAGE = frozenset(
    {"sid", "conversation_sid", "author", "participant_sid", "body", "media", "date_created",
     "index"}
)  # fmt: skip
MAPPED_PARTICIPANT = frozenset(
    {"sid", "conversation_sid", "identity", "attributes", "messaging_binding", "date_created"}
)


def _media(media: dict[str, Any], where: str) -> dict[str, Any]:
    def first(*keys: str) -> Any:
        return next((media[key] for key in keys if media.get(key) not in (None, "")), None)

    return attachment(
        first("filename", "Filename"),
        first("content_type", "ContentType"),
        first("size", "Size"),
        first("url", "Url"),
        where,
    ) | {"external_id": text_of(first("sid", "Sid", "MediaSid"), f"{where}.sid")}


def attributes_of(value: Any, where: str) -> dict[str, Any]:
    """Twilio `attributes` are a JSON string (or already an object)."""
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise InterchangeError("must be a JSON string", where)
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError as error:
        raise InterchangeError(f"is not valid JSON ({error.msg})", where) from None
    return decoded if isinstance(decoded, dict) else {}


@dataclass
class Bundle:
    number: int
    raws: list[bytes] = field(default_factory=list)
    conversation: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)


def _participant_role(participant: dict[str, Any], where: str) -> str:
    role = attributes_of(participant.get("attributes"), f"{where}.attributes").get("role")
    if role in ROLES:
        return str(role)
    binding = optional_object(participant.get("messaging_binding"), f"{where}.messaging_binding")
    return "customer" if binding.get("address") else "agent"


def bundle_to_chat(bundle: Bundle) -> dict[str, Any]:
    conversation = bundle.conversation
    if conversation is None:
        conversation = _conversation_from_parts(bundle)
    sid = text_of(conversation.get("sid"), "sid")
    started_at = timestamp_iso(conversation.get("date_created"), "date_created")
    attributes = attributes_of(conversation.get("attributes"), "attributes")

    by_sid: dict[str, dict[str, str]] = {}
    by_author: dict[str, dict[str, str]] = {}
    customer: dict[str, Any] | None = None
    agents: dict[str, str] = {}
    for index, participant in enumerate(bundle.participants):
        where = f"participants[{index}]"
        binding = optional_object(
            participant.get("messaging_binding"), f"{where}.messaging_binding"
        )
        address = text_of(binding.get("address"), f"{where}.messaging_binding.address")
        identity = text_of(participant.get("identity"), f"{where}.identity")
        name = text_of(
            attributes_of(participant.get("attributes"), f"{where}.attributes").get("name"),
            f"{where}.attributes.name",
        )
        role = _participant_role(participant, where)
        person = {"role": role, "key": identity or address, "name": name}
        by_sid[text_of(participant.get("sid"), f"{where}.sid")] = person
        for author in (identity, address):
            if author:
                by_author[author] = person
        if role == "customer" and customer is None:
            phone = address.removeprefix("whatsapp:").removeprefix("messenger:")
            customer = {
                "external_id": identity or address,
                "name": name,
                "phone": phone if phone.startswith("+") else "",
            }
        elif role == "agent":
            agents.setdefault(person["key"], name or person["key"])

    messages: list[dict[str, Any]] = []
    ordered = sorted(
        enumerate(bundle.messages),
        key=lambda pair: (
            int(pair[1]["index"]) if isinstance(pair[1].get("index"), int) else pair[0]
        ),
    )
    for position, message in ordered:
        where = f"messages[{position}]"
        author = text_of(message.get("author"), f"{where}.author")
        info: dict[str, str] | None = by_sid.get(str(message.get("participant_sid"))) or (
            by_author.get(author)
        )
        if info is not None:
            role = info["role"]
        elif author.lower() == "system":
            role = "system"
        elif author.removeprefix("whatsapp:").startswith("+"):
            role = "customer"
        elif not bundle.participants and author:
            role = "agent"  # no participants to ask: chat identities are agents (module doc)
        else:
            raise InterchangeError(
                f"author {author!r} is not among the conversation's "
                "participants; add the participants resource",
                f"{where}.author",
            )
        files = [
            _media(require_object(media, f"{where}.media[{i}]"), f"{where}.media[{i}]")
            for i, media in enumerate(require_list(message.get("media") or [], f"{where}.media"))
        ]
        item: dict[str, Any] = {
            "sender": role,
            "sent_at": timestamp_iso(message.get("date_created"), f"{where}.date_created"),
            "text": text_of(message.get("body"), f"{where}.body"),
            "author": author,
            "external_id": text_of(message.get("sid"), f"{where}.sid"),
            "visibility": "public",
        }
        if files:
            item["attachments"] = files
        if role == "agent":
            key = info["key"] if info and info["key"] else author
            agents.setdefault(key, author)
            item["agent_external_id"] = key
        messages.append(item)

    ended_at = None
    if conversation.get("state") == "closed":
        timers = optional_object(conversation.get("timers"), "timers")
        ended_at = optional_timestamp_iso(timers.get("date_closed"), "timers.date_closed") or (
            optional_timestamp_iso(conversation.get("date_updated"), "date_updated")
        )
    survey = None
    if attributes.get("rating") is not None or attributes.get("comment"):
        survey = {
            "rating": attributes.get("rating"),
            "comment": text_of(attributes.get("comment"), "attributes.comment"),
        }
    tags = [tag for tag in attributes.get("tags") or [] if isinstance(tag, str)]
    if isinstance(attributes.get("topic"), str):
        tags.append(attributes["topic"])
    return {
        "external_id": sid,
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": ended_at,
        "customer": customer,
        "agents": [{"external_id": key, "name": name} for key, name in agents.items()],
        "messages": messages,
        "survey": survey,
        "tags": tags,
    }


def _conversation_from_parts(bundle: Bundle) -> dict[str, Any]:
    """The conversation of messages or participants exported without it: its sid and the
    earliest moment they name (the conversation resource, imported later, completes it)."""
    parts = [*bundle.messages, *bundle.participants]
    sids = {str(part.get("conversation_sid") or "") for part in parts}
    moments = sorted(
        timestamp_iso(part.get("date_created"), "date_created")
        for part in parts
        if part.get("date_created")
    )
    if len(sids) != 1 or "" in sids or not moments:
        raise InterchangeError(
            "messages or participants without their conversation resource need a "
            "conversation_sid and a date_created (or add GET /v1/Conversations/{Sid})",
            "conversation",
        )
    return {"sid": sids.pop(), "date_created": moments[0], "state": "active"}


def bundle_unmapped(bundle: Bundle) -> set[str]:
    found: set[str] = set()
    unmapped_in_items([bundle.conversation or {}], MAPPED_CONVERSATION, "conversation", found)
    unmapped_in_items(bundle.messages, MAPPED_MESSAGE, "messages", found)
    unmapped_in_items(bundle.participants, MAPPED_PARTICIPANT, "participants", found)
    return {path.replace("conversation[]", "conversation") for path in found}


def _items(value: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Which kind of resource a document is, and its items."""
    for key in ("conversations", "messages", "participants"):
        if isinstance(value.get(key), list):
            return key, [require_object(item, f"{key}[]") for item in value[key]]
    sid = str(value.get("sid") or "")
    if sid.startswith("CH"):
        return "conversations", [value]
    if sid.startswith("IM"):
        return "messages", [value]
    if sid.startswith("MB"):
        return "participants", [value]
    raise InterchangeError(
        "not a Twilio Conversations conversation, message or participant "
        "(expected a sid starting CH, IM or MB, or a page of them)"
    )


@register_document_format(SOURCE)
def twilio_units(data: bytes) -> Iterator[ImportUnit]:
    bundles: dict[str, Bundle] = {}
    for document in documents_read(data):
        if isinstance(document, BadDocument):
            yield ImportUnit(document.number, document.raw, document.error)
            continue
        try:
            if not isinstance(document.value, dict):
                raise InterchangeError("not a JSON object")
            kind, items = _items(document.value)
        except InterchangeError as error:
            yield ImportUnit(document.number, document.raw, error)
            continue
        touched: set[str] = set()
        for item in items:
            sid = str(item.get("sid") if kind == "conversations" else item.get("conversation_sid"))
            bundle = bundles.setdefault(sid, Bundle(number=document.number))
            if sid not in touched:
                bundle.raws.append(document.raw)
                touched.add(sid)
            if kind == "conversations":
                bundle.conversation = item
                bundle.number = document.number
            elif kind == "messages":
                bundle.messages.append(item)
            else:
                bundle.participants.append(item)
    for bundle in sorted(bundles.values(), key=lambda b: b.number):
        yield from validated_units(
            bundle.number,
            b"\n".join(bundle.raws),
            one_chat(bundle_to_chat, bundle),
            bundle_unmapped(bundle),
        )
