"""Pieces of the LiveChat mapping (integrations/importers/livechat.py): which events are agents'
private notes, how rich messages and forms read as text, the thread_properties_updated
pushes that set a thread's rating later, and the fields no interchange field takes."""

from typing import Any

from integrations.importers.documents import (
    attachment,
    optional_object,
    require_list,
    require_object,
    text_of,
    unmapped_in_items,
    unmapped_keys,
)

PROPERTY_ACTIONS = frozenset({"thread_properties_updated", "chat_properties_updated"})
MAPPED_THREAD = frozenset(
    {"id", "created_at", "events", "user_ids", "active", "tags", "properties", "customer_visit"}
)
MAPPED_EVENT = frozenset(
    {
        "id", "type", "created_at", "author_id", "text", "visibility", "recipients", "fields",
        "name", "url", "content_type", "size", "elements", "template_id", "form_type", "subtype",
    }
)  # fmt: skip
MAPPED_USER = frozenset({"id", "type", "name", "email", "phone_number", "visit", "last_visit"})


def is_internal(event: dict[str, Any]) -> bool:
    """An agents-only event: `visibility` since API v3.4, `recipients` before it."""
    return event.get("visibility") == "agents" or event.get("recipients") == "agents"


def rich_text(event: dict[str, Any], path: str) -> tuple[str, list[dict[str, Any]]]:
    """A rich message's cards as the text a reader saw, and their images as attachments."""
    lines: list[str] = []
    files: list[dict[str, Any]] = []
    for index, element in enumerate(require_list(event.get("elements") or [], f"{path}.elements")):
        where = f"{path}.elements[{index}]"
        element = require_object(element, where)
        for key in ("title", "subtitle"):
            value = text_of(element.get(key), f"{where}.{key}")
            if value:
                lines.append(value)
        buttons = require_list(element.get("buttons") or [], f"{where}.buttons")
        labels = [
            text_of(require_object(b, f"{where}.buttons[]").get("text"), f"{where}.buttons[]")
            for b in buttons
        ]
        if any(labels):
            lines.append("[buttons: " + " | ".join(label for label in labels if label) + "]")
        image = optional_object(element.get("image"), f"{where}.image")
        if image:
            files.append(
                attachment(
                    image.get("name"),
                    image.get("content_type"),
                    image.get("size"),
                    image.get("url"),
                    f"{where}.image",
                )
            )
    return "\n".join(lines), files


def form_text(event: dict[str, Any], path: str) -> str:
    fields = require_list(event.get("fields") or [], f"{path}.fields")
    labels = [
        text_of(require_object(f, f"{path}.fields[]").get("label"), f"{path}.fields[].label")
        for f in fields
    ]
    kind = text_of(event.get("form_type"), f"{path}.form_type") or "form"
    return f"[{kind} form: " + "; ".join(label for label in labels if label) + "]"


def with_properties(thread: dict[str, Any], updates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The thread with the properties a later thread_properties_updated set (a rating given
    after the chat ended arrives that way)."""
    update = updates.get(str(thread.get("id")))
    if not update:
        return thread
    properties = optional_object(thread.get("properties"), "thread.properties")
    return {**thread, "properties": {**properties, **update}}


def property_updates(value: Any) -> tuple[str, dict[str, Any]] | None:
    """(thread id, properties) of a thread_properties_updated push or webhook, else None."""
    if not isinstance(value, dict):
        return None
    if value.get("action") == "thread_properties_updated":
        value = value.get("payload")
    if not isinstance(value, dict) or not {"thread_id", "properties"} <= value.keys():
        return None
    properties = value.get("properties")
    if not isinstance(properties, dict) or not isinstance(value.get("thread_id"), str):
        return None
    return value["thread_id"], properties


def chat_unmapped(chat: dict[str, Any]) -> set[str]:
    """The fields of a chat object (threads, events, users) that no interchange field takes."""
    found: set[str] = set()
    unmapped_keys(chat, frozenset({"id", "threads", "thread", "users", "properties"}), "", found)
    threads = chat.get("threads") or (
        [chat["thread"]] if isinstance(chat.get("thread"), dict) else []
    )
    if "events" in chat and "created_at" in chat:
        threads = [chat]
    for thread in threads if isinstance(threads, list) else []:
        unmapped_keys(thread, MAPPED_THREAD, "thread", found)
        for event in thread.get("events") or [] if isinstance(thread, dict) else []:
            if isinstance(event, dict):
                kind = event.get("type")
                unmapped_keys(event, MAPPED_EVENT, f"thread.events[{kind}]", found)
                if kind == "custom":
                    found.add("thread.events[custom]")
    unmapped_in_items(chat.get("users"), MAPPED_USER, "users", found)
    return found
