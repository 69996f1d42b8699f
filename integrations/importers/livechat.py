"""LiveChat (text.com) Agent Chat API v3.x: chats (`threads[]` + `users[]`, as get_chat and
list_archives return them), single threads, webhook envelopes (`incoming_chat`) and user
objects (customer/agent, which complete the users of chats in the same file).

Field map (see shared/formats/livechat/README.md). One interchange chat per thread, because a
LiveChat thread is one conversation session:
- external_id: `thread.id`; started_at: `thread.created_at`; ended_at: the last event's
  `created_at` once `thread.active` is false (still open otherwise).
- customer: the `users[]` entry of type "customer": id, name, email, phone_number; country from
  `visit.geolocation.country_code`. A pre-chat form (`filled_form` event, fields of type
  name/email) fills a missing name or email. Agents: users of type "agent" on the thread.
- messages: `events[]` of type "message" (author role from `users[]`; agents' ids are their
  email addresses, so an unknown author id with an "@" is an agent), "system_message" (system)
  and "file" (a line naming the file). Events with `visibility: "agents"` (API v3.4+) or
  `recipients: "agents"` (v3.3 and before) are internal notes and stay out of the transcript.
- survey: `properties.rating.score` of the thread or chat (1 = good → 5, 0 = bad → 1) and
  `rating.comment`. Tags: `thread.tags`.
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
    latest,
    optional_object,
    rating_from_good_bad,
    require_list,
    require_object,
    text_of,
    timestamp_iso,
    unit_error,
    validated_units,
)

SOURCE = "livechat"
EVENT_TYPES = frozenset(
    {"message", "system_message", "filled_form", "file", "rich_message", "custom"}
)


def _rating(*property_sets: dict[str, Any]) -> dict[str, Any] | None:
    for index, properties in enumerate(property_sets):
        rating = properties.get("rating")
        if isinstance(rating, dict) and ("score" in rating or "comment" in rating):
            where = "thread.properties.rating" if index == 0 else "chat.properties.rating"
            score = rating.get("score")
            survey: dict[str, Any] = {
                "rating": rating_from_good_bad(score, f"{where}.score"),
                "comment": text_of(rating.get("comment"), f"{where}.comment"),
            }
            if score is not None:
                survey["answers"] = {"rating": "good" if score == 1 else "bad"}
            return survey
    return None


def thread_to_chat(
    thread: dict[str, Any],
    users: dict[str, dict[str, Any]],
    chat_properties: dict[str, Any] | None = None,
    where: str = "thread",
) -> dict[str, Any]:
    thread_id = text_of(thread.get("id"), f"{where}.id")
    if not thread_id:
        raise InterchangeError("is required", f"{where}.id")
    started_at = timestamp_iso(thread.get("created_at"), f"{where}.created_at")
    events = require_list(thread.get("events") or [], f"{where}.events")
    customer_id = next((uid for uid, user in users.items() if user.get("type") == "customer"), "")
    form_identity: dict[str, str] = {}
    messages: list[dict[str, Any]] = []
    agent_ids: list[str] = [
        uid
        for uid in require_list(thread.get("user_ids") or [], f"{where}.user_ids")
        if users.get(uid, {}).get("type") == "agent"
    ]
    last_event_at: str | None = None
    for index, item in enumerate(events):
        path = f"{where}.events[{index}]"
        event = require_object(item, path)
        kind = event.get("type")
        if kind not in EVENT_TYPES:
            raise InterchangeError(f"{kind!r} is not a LiveChat event type", f"{path}.type")
        sent_at = timestamp_iso(event.get("created_at"), f"{path}.created_at")
        last_event_at = latest(last_event_at, sent_at)
        if event.get("visibility") == "agents" or event.get("recipients") == "agents":
            # An internal note between agents: `visibility` since API v3.4, `recipients` before
            # it. Never a transcript line (the customer never saw it).
            continue
        author_id = text_of(event.get("author_id"), f"{path}.author_id")
        if kind == "filled_form":
            for field_index, field in enumerate(
                require_list(event.get("fields") or [], f"{path}.fields")
            ):
                field = require_object(field, f"{path}.fields[{field_index}]")
                answer = text_of(field.get("answer"), f"{path}.fields[{field_index}].answer")
                if field.get("type") in {"name", "email"} and answer:
                    form_identity.setdefault(str(field["type"]), answer)
            customer_id = customer_id or author_id
            continue
        if kind in {"rich_message", "custom"}:
            continue  # cards and widgets have no transcript text of their own
        if kind == "system_message":
            messages.append(
                {
                    "sender": "system",
                    "sent_at": sent_at,
                    "text": text_of(event.get("text"), f"{path}.text"),
                }
            )
            continue
        author = users.get(author_id, {})
        is_agent = author.get("type") == "agent" or (not author and "@" in author_id)
        if kind == "file":
            text = f"[file: {text_of(event.get('name'), f'{path}.name')}] " + text_of(
                event.get("url"), f"{path}.url"
            )
        else:
            text = text_of(event.get("text"), f"{path}.text")
        message: dict[str, Any] = {
            "sender": "agent" if is_agent else "customer",
            "sent_at": sent_at,
            "text": text.strip(),
        }
        if is_agent:
            message["agent_external_id"] = author_id
            if author_id not in agent_ids:
                agent_ids.append(author_id)
        else:
            customer_id = customer_id or author_id
            message["author"] = text_of(author.get("name"), f"{path}.author") or form_identity.get(
                "name", ""
            )
        messages.append(message)

    customer_user = users.get(customer_id, {})
    visit = optional_object(customer_user.get("visit"), "customer.visit")
    geolocation = optional_object(visit.get("geolocation"), "customer.visit.geolocation")
    customer = None
    if customer_id:
        customer = {
            "external_id": customer_id,
            "name": text_of(customer_user.get("name"), "customer.name")
            or form_identity.get("name", ""),
            "email": text_of(customer_user.get("email"), "customer.email")
            or form_identity.get("email", ""),
            "phone": text_of(customer_user.get("phone_number"), "customer.phone_number"),
        }
    active = thread.get("active")
    ended_at = None
    if active is False:
        ended_at = latest(started_at, last_event_at)
    tags = require_list(thread.get("tags") or [], f"{where}.tags")
    return {
        "external_id": thread_id,
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": ended_at,
        "country": country_code(geolocation.get("country_code")),
        "customer": customer,
        "agents": [
            {"external_id": uid, "name": text_of(users.get(uid, {}).get("name"), "agent.name")}
            for uid in agent_ids
        ],
        "messages": messages,
        "survey": _rating(
            optional_object(thread.get("properties"), f"{where}.properties"), chat_properties or {}
        ),
        "tags": [text_of(tag, f"{where}.tags[]") for tag in tags],
    }


def _users(chat: dict[str, Any], known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(require_list(chat.get("users") or [], "chat.users")):
        user = require_object(item, f"chat.users[{index}]")
        uid = text_of(user.get("id"), f"chat.users[{index}].id")
        # A user object from the same file (e.g. get_customer) completes the chat's copy.
        users[uid] = {
            **known.get(uid, {}),
            **{k: v for k, v in user.items() if v not in ("", None)},
        }
    return users


def chat_to_chats(
    chat: dict[str, Any], known_users: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    users = _users(chat, known_users)
    # The public sample spells it "properites"; accept both spellings.
    properties = optional_object(
        chat.get("properties") or chat.get("properites"), "chat.properties"
    )
    threads = chat.get("threads")
    if threads is None and isinstance(chat.get("thread"), dict):
        threads = [chat["thread"]]  # webhooks and get_chat carry one thread
    threads = require_list(threads, "chat.threads")
    if not threads:
        raise InterchangeError(
            "has no thread, so there is no conversation to import", "chat.threads"
        )
    return [
        thread_to_chat(
            require_object(thread, f"chat.threads[{index}]"),
            users,
            properties,
            f"chat.threads[{index}]",
        )
        for index, thread in enumerate(threads)
    ]


def _kind(value: Any) -> str:
    if not isinstance(value, dict):
        return "unknown"
    if "action" in value and "payload" in value:
        return "webhook"
    if "threads" in value or ("thread" in value and "users" in value):
        return "chat"
    if "events" in value and "created_at" in value:
        return "thread"
    if value.get("type") in {"customer", "agent"} and "events" not in value:
        return "user"
    if value.get("type") in EVENT_TYPES:
        return "event"
    return "unknown"


def webhook_chat(envelope: dict[str, Any]) -> dict[str, Any]:
    action = envelope.get("action")
    payload = require_object(envelope.get("payload"), "payload")
    if action != "incoming_chat":
        raise InterchangeError(
            f"webhook action {action!r} carries no transcript (fetch it with get_chat)", "action"
        )
    return require_object(payload.get("chat"), "payload.chat")


def _units(
    document: Document, value: Any, raw: bytes, known_users: dict[str, dict[str, Any]]
) -> list[ImportUnit]:
    kind = _kind(value)
    number = document.number
    if kind == "chat":
        return validated_units(number, raw, lambda: chat_to_chats(value, known_users))
    if kind == "webhook":
        return validated_units(number, raw, lambda: chat_to_chats(webhook_chat(value), known_users))
    if kind == "thread":
        return validated_units(number, raw, lambda: [thread_to_chat(value, known_users)])
    if kind == "user":
        return []  # completes chats, is not one
    if kind == "event":
        return [
            unit_error(
                number,
                raw,
                "a single LiveChat event without its thread cannot be "
                "imported; export the chat or thread that holds it",
            )
        ]
    return [
        unit_error(
            number,
            raw,
            "not a LiveChat chat, thread, user or webhook payload "
            "(expected threads/users, events/created_at or action)",
        )
    ]


@register_document_format(SOURCE)
def livechat_units(data: bytes) -> Iterator[ImportUnit]:
    documents = list(documents_read(data))
    known_users: dict[str, dict[str, Any]] = {}
    for document in documents:
        if isinstance(document, Document) and _kind(document.value) == "user":
            known_users[str(document.value.get("id"))] = document.value
    for document in documents:
        if isinstance(document, BadDocument):
            yield ImportUnit(document.number, document.raw, document.error)
        elif isinstance(document.value, list):
            for item in document.value:
                yield from _units(document, item, compact(item), known_users)
        else:
            yield from _units(document, document.value, document.raw, known_users)
