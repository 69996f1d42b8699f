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
  email addresses, so an unknown author id with an "@" is an agent), "system_message" (system),
  "file" (an attachment-only message: name, content_type, size, url), "rich_message" (the
  cards' titles, subtitles and buttons as text, their images as attachments), "form" (v3.6: a
  system line listing the form's questions), "system" (v3.6 CDP events such as a store order:
  a system line naming the subtype). `custom` events carry application data, not text: they
  are skipped and counted among the fields not mapped. Every message keeps the event `id` as
  its external_id. Events with `visibility: "agents"` (API v3.4+) or `recipients: "agents"`
  (v3.3 and before) are agents' private notes: `visibility: internal` (SPEC §3).
- country: the customer's `visit` (v3.4+) or `last_visit` (v3.3) geolocation, else the
  thread's `customer_visit` geolocation (list_archives, v3.6).
- survey: `properties.rating.score` of the thread or chat (1 = good → 5, 0 = bad → 1) and
  `rating.comment`; a `thread_properties_updated` push or webhook in the same file (or
  delivered later, inbound) sets the thread's rating. Tags: `thread.tags`.
- a `list_archives` response page (`{"chats": [{..., "thread"}], "next_page_id"}`) is read as
  its chats.
"""

from collections.abc import Iterator
from functools import partial
from typing import Any

from chats.importers import ImportUnit, register_document_format
from chats.interchange import InterchangeError
from integrations.importers.documents import (
    INTERNAL,
    PUBLIC,
    BadDocument,
    Document,
    attachment,
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
from integrations.importers.livechat_parts import (
    chat_unmapped,
    form_text,
    is_internal,
    property_updates,
    rich_text,
    with_properties,
)

SOURCE = "livechat"
EVENT_TYPES = frozenset(
    {"message", "system_message", "filled_form", "file", "rich_message", "custom", "form", "system"}
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
        event_id = text_of(event.get("id"), f"{path}.id")
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
        if kind == "custom":
            continue  # application data without text: counted among the fields not mapped
        visibility = INTERNAL if is_internal(event) else PUBLIC
        if kind in {"system_message", "form", "system"}:
            if kind == "form":
                text = form_text(event, path)
            elif kind == "system":
                text = f"[{text_of(event.get('subtype'), f'{path}.subtype') or 'system event'}]"
            else:
                text = text_of(event.get("text"), f"{path}.text")
            messages.append(
                {
                    "sender": "system",
                    "sent_at": sent_at,
                    "text": text,
                    "external_id": event_id,
                    "visibility": visibility,
                }
            )
            continue
        author = users.get(author_id, {})
        is_agent = author.get("type") == "agent" or (not author and "@" in author_id)
        files: list[dict[str, Any]] = []
        if kind == "file":
            text = ""
            files = [
                attachment(
                    event.get("name"),
                    event.get("content_type"),
                    event.get("size"),
                    event.get("url"),
                    path,
                )
            ]
        elif kind == "rich_message":
            text, files = rich_text(event, path)
        else:
            text = text_of(event.get("text"), f"{path}.text")
        message: dict[str, Any] = {
            "sender": "agent" if is_agent else "customer",
            "sent_at": sent_at,
            "text": text.strip(),
            "external_id": event_id,
            "visibility": visibility,
        }
        if files:
            message["attachments"] = files
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
    visit = optional_object(
        customer_user.get("visit") or customer_user.get("last_visit"), "customer.visit"
    )
    geolocation = optional_object(visit.get("geolocation"), "customer.visit.geolocation")
    if not country_code(geolocation.get("country_code")):
        thread_visit = optional_object(thread.get("customer_visit"), f"{where}.customer_visit")
        geolocation = optional_object(
            thread_visit.get("geolocation"), f"{where}.customer_visit.geolocation"
        )
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
    if isinstance(value.get("chats"), list):
        return "archives"  # a list_archives response page
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
    document: Document,
    value: Any,
    raw: bytes,
    known_users: dict[str, dict[str, Any]],
    updates: dict[str, dict[str, Any]],
) -> list[ImportUnit]:
    kind = _kind(value)
    number = document.number

    def chats_of(chat: dict[str, Any]) -> list[dict[str, Any]]:
        if isinstance(chat.get("thread"), dict):
            chat = {**chat, "thread": with_properties(chat["thread"], updates)}
        if isinstance(chat.get("threads"), list):
            chat = {
                **chat,
                "threads": [
                    with_properties(t, updates) if isinstance(t, dict) else t
                    for t in chat["threads"]
                ],
            }
        return chat_to_chats(chat, known_users)

    if kind == "chat":
        return validated_units(number, raw, lambda: chats_of(value), chat_unmapped(value))
    if kind == "archives":
        units: list[ImportUnit] = []
        for item in value["chats"]:
            if not isinstance(item, dict):
                units.append(unit_error(number, compact(item), "not a LiveChat chat object"))
                continue
            units += validated_units(
                number, compact(item), partial(chats_of, item), chat_unmapped(item)
            )
        return units
    if kind == "webhook":
        if property_updates(value) is not None:
            return []  # applied to its thread (above); on its own it is not a chat
        return validated_units(
            number, raw, lambda: chats_of(webhook_chat(value)), chat_unmapped(value)
        )
    if kind == "thread":
        return validated_units(
            number,
            raw,
            lambda: [thread_to_chat(with_properties(value, updates), known_users)],
            chat_unmapped(value),
        )
    if kind == "user":
        return []  # completes chats, is not one
    if property_updates(value) is not None:
        return []
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
            "not a LiveChat chat, thread, user, list_archives page or webhook payload "
            "(expected threads/users, chats, events/created_at or action)",
        )
    ]


@register_document_format(SOURCE)
def livechat_units(data: bytes) -> Iterator[ImportUnit]:
    documents = list(documents_read(data))
    known_users: dict[str, dict[str, Any]] = {}
    updates: dict[str, dict[str, Any]] = {}
    for document in documents:
        if not isinstance(document, Document):
            continue
        if _kind(document.value) == "user":
            known_users[str(document.value.get("id"))] = document.value
        update = property_updates(document.value)
        if update is not None:
            updates[update[0]] = {**updates.get(update[0], {}), **update[1]}
    for document in documents:
        if isinstance(document, BadDocument):
            yield ImportUnit(document.number, document.raw, document.error)
        elif isinstance(document.value, list):
            for item in document.value:
                yield from _units(document, item, compact(item), known_users, updates)
        else:
            yield from _units(document, document.value, document.raw, known_users, updates)
