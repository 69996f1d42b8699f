"""Zendesk Sunshine Conversations API v2 (Zendesk's messaging successor of Zendesk Chat):
webhook deliveries (`{"app", "webhook", "events": [...]}` with `conversation:message` events)
and REST responses (`GET …/conversations/{id}` = `{"conversation"}`, followed in the same file by
its `GET …/conversations/{id}/messages` pages = `{"messages", "meta"}`). One chat per
conversation id; messages of several deliveries or pages are joined by conversation.

Field map (zendesk/sunshine-conversations-api-spec openapi.yaml, v2):
- external_id `conversation.id`; started_at `conversation.createdAt`, else the earliest message
  `received`; ended_at: none (a Sunshine conversation is persistent: it stays open until the
  idle closing rule closes the chat at its last message).
- messages: `message.id` (external_id), `received`, `author.type` "user" = customer (its
  `userId`/`user.id` and `displayName` make the customer), "business" = agent (`displayName`,
  else "business"; a business author whose `subtypes` include "AI" is a bot);
  `content.type` text (`text`), image/file (`text` plus an attachment from `mediaUrl`,
  `mediaType`, `mediaSize`, `altText`), carousel/list (items' titles and descriptions),
  form/formResponse (fields' labels and answers), location (coordinates). Sunshine has no
  private notes, so every message is public.
- Events other than `conversation:message` (typing, read, delivery receipts, postbacks) carry no
  transcript line and are counted among the fields not mapped.
"""

from collections.abc import Iterator
from typing import Any

from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    PUBLIC,
    BadDocument,
    attachment,
    compact,
    documents_read,
    one_chat,
    optional_object,
    optional_timestamp_iso,
    require_list,
    require_object,
    text_of,
    timestamp_iso,
    unit_error,
    unmapped_keys,
    validated_units,
)

SOURCE = "sunshine_conversations"
MAPPED_MESSAGE = frozenset({"id", "received", "author", "content"})
MAPPED_CONTENT = frozenset(
    {"type", "text", "mediaUrl", "mediaType", "mediaSize", "altText", "items", "fields",
     "coordinates"}
)  # fmt: skip


def _content_text(content: dict[str, Any], where: str) -> str:
    lines = [text_of(content.get("text"), f"{where}.text")]
    for index, item in enumerate(require_list(content.get("items") or [], f"{where}.items")):
        item = require_object(item, f"{where}.items[{index}]")
        for key in ("title", "description"):
            lines.append(text_of(item.get(key), f"{where}.items[{index}].{key}"))
    for index, field in enumerate(require_list(content.get("fields") or [], f"{where}.fields")):
        field = require_object(field, f"{where}.fields[{index}]")
        label = text_of(field.get("label"), f"{where}.fields[{index}].label")
        answer = text_of(
            field.get("text") or field.get("email") or field.get("select"),
            f"{where}.fields[{index}].text",
        )
        lines.append(f"{label}: {answer}" if answer else label)
    coordinates = optional_object(content.get("coordinates"), f"{where}.coordinates")
    if coordinates:
        lines.append(f"[location: {coordinates.get('lat')}, {coordinates.get('long')}]")
    return "\n".join(line for line in lines if line)


def message_to_interchange(
    message: dict[str, Any], where: str, people: dict[str, dict[str, str]]
) -> dict[str, Any]:
    author = require_object(message.get("author"), f"{where}.author")
    content = require_object(message.get("content"), f"{where}.content")
    name = text_of(author.get("displayName"), f"{where}.author.displayName")
    item: dict[str, Any] = {
        "sent_at": timestamp_iso(message.get("received"), f"{where}.received"),
        "text": _content_text(content, f"{where}.content"),
        "author": name,
        "external_id": text_of(message.get("id"), f"{where}.id"),
        "visibility": PUBLIC,
    }
    kind = author.get("type")
    if kind == "user":
        user = optional_object(author.get("user"), f"{where}.author.user")
        user_id = text_of(author.get("userId") or user.get("id"), f"{where}.author.userId")
        item["sender"] = "customer"
        people.setdefault("customer", {"external_id": user_id, "name": name})
    elif kind == "business":
        subtypes = author.get("subtypes") or []
        if isinstance(subtypes, list) and "AI" in subtypes:
            item["sender"] = "bot"
        else:
            item["sender"] = "agent"
            item["agent_external_id"] = name or "business"
            people.setdefault(f"agent:{item['agent_external_id']}", {"name": name})
    else:
        raise InterchangeError(f"{kind!r} is not an author type (user or business)", where)
    if content.get("mediaUrl"):
        item["attachments"] = [
            attachment(
                content.get("altText") or str(content["mediaUrl"]).rsplit("/", 1)[-1],
                content.get("mediaType"),
                content.get("mediaSize"),
                content.get("mediaUrl"),
                f"{where}.content",
            )
        ]
    return item


def conversation_to_chat(conversation: dict[str, Any], messages: list[Any]) -> dict[str, Any]:
    external_id = text_of(conversation.get("id"), "conversation.id")
    if not external_id:
        raise InterchangeError("is required", "conversation.id")
    people: dict[str, dict[str, str]] = {}
    items = [
        message_to_interchange(require_object(m, f"messages[{i}]"), f"messages[{i}]", people)
        for i, m in enumerate(messages)
    ]
    items.sort(key=lambda m: m["sent_at"])
    started_at = optional_timestamp_iso(conversation.get("createdAt"), "conversation.createdAt")
    if started_at is None and items:
        started_at = items[0]["sent_at"]
    if started_at is None:
        raise InterchangeError("no start time (createdAt or a message)", "conversation.createdAt")
    customer = people.get("customer")
    return {
        "external_id": external_id,
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": None,
        "customer": customer,
        "agents": [
            {"external_id": key.removeprefix("agent:"), "name": person["name"]}
            for key, person in people.items()
            if key.startswith("agent:")
        ],
        "messages": items,
    }


def _unmapped(messages: list[Any], found: set[str]) -> None:
    for message in messages:
        if isinstance(message, dict):
            unmapped_keys(message, MAPPED_MESSAGE, "messages[]", found)
            unmapped_keys(message.get("content"), MAPPED_CONTENT, "messages[].content", found)


@register_document_format(SOURCE)
def sunshine_units(data: bytes) -> Iterator[ImportUnit]:
    chats: dict[str, dict[str, Any]] = {}  # id → {number, raws, conversation, messages}
    last: str | None = None
    errors: list[ImportUnit] = []
    found: dict[str, set[str]] = {}

    def entry(conversation: dict[str, Any], number: int) -> dict[str, Any]:
        key = str(conversation.get("id") or "")
        if not key:
            raise InterchangeError("is required", "conversation.id")
        item = chats.setdefault(
            key, {"number": number, "raws": [], "conversation": {}, "messages": []}
        )
        item["conversation"] = {**item["conversation"], **conversation}
        found.setdefault(key, set())
        return item

    for document in documents_read(data):
        if isinstance(document, BadDocument):
            errors.append(ImportUnit(document.number, document.raw, document.error))
            continue
        value = document.value
        try:
            if not isinstance(value, dict):
                raise InterchangeError("not a Sunshine Conversations webhook or API response")
            if isinstance(value.get("events"), list):
                for index, event in enumerate(value["events"]):
                    event = require_object(event, f"events[{index}]")
                    payload = optional_object(event.get("payload"), f"events[{index}].payload")
                    conversation = optional_object(payload.get("conversation"), "conversation")
                    item = entry(conversation, document.number)
                    item["raws"].append(compact(event))
                    if event.get("type") == "conversation:message":
                        item["messages"].append(payload.get("message"))
                    else:
                        found[str(conversation.get("id"))].add(f"events[{event.get('type')}]")
            elif isinstance(value.get("conversation"), dict):
                item = entry(value["conversation"], document.number)
                item["raws"].append(document.raw)
                last = str(value["conversation"].get("id"))
            elif isinstance(value.get("messages"), list):
                if last is None:
                    raise InterchangeError(
                        "a messages page names no conversation: put the GET "
                        "/v2/apps/{appId}/conversations/{id} response before it",
                        "messages",
                    )
                chats[last]["raws"].append(document.raw)
                chats[last]["messages"].extend(value["messages"])
            else:
                raise InterchangeError(
                    "not a Sunshine Conversations webhook (events), conversation or messages page"
                )
        except InterchangeError as error:
            errors.append(unit_error(document.number, document.raw, error.reason, error.field))
    units = list(errors)
    for key, item in chats.items():
        _unmapped(item["messages"], found[key])
        units += validated_units(
            item["number"],
            b"\n".join(item["raws"]),
            one_chat(conversation_to_chat, item["conversation"], item["messages"]),
            found[key],
        )
    yield from sorted(units, key=lambda unit: unit.number)
