"""Chatwoot: conversation payloads (webhook events conversation_created/_status_changed/
_updated/_resolved, or a conversation from the API) and message_created events.

Field map (see shared/formats/chatwoot/README.md):
- external_id: conversation `id` (the display id); started_at: `created_at`, else
  `contact_inbox.created_at`, else the first message; ended_at: the event `timestamp` (or
  `last_activity_at`) when the event is conversation_resolved or `status` is "resolved".
- customer: `meta.sender` (a contact): id, name, email, phone_number; country from its
  `additional_attributes.country_code`. Agent: `meta.assignee` and every User who wrote.
- messages: `message_type` 0/"incoming" = customer, 1/"outgoing" = agent (bot when the sender is
  an AgentBot), 2/"activity" = system, 3/"template" = bot; private notes are internal and are
  not part of the customer-visible transcript. Sorted by time, then id.
- survey: a message with content_type "input_csat": submitted csat_survey_response
  {rating 1-5, feedback_message}. Tags: `labels`.
"""

from collections.abc import Iterator, Sequence
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
    documents_read,
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

SOURCE = "chatwoot"
MESSAGE_ROLES: dict[Any, str] = {
    0: "customer",
    "incoming": "customer",
    1: "agent",
    "outgoing": "agent",
    2: "system",
    "activity": "system",
    3: "bot",
    "template": "bot",
}
BOT_SENDER_TYPES = frozenset({"agentbot", "agent_bot", "captain::assistant"})
CONVERSATION_EVENTS = frozenset(
    {
        "conversation_created",
        "conversation_status_changed",
        "conversation_updated",
        "conversation_resolved",
        "conversation_opened",
    }
)
MESSAGE_EVENTS = frozenset({"message_created", "message_updated"})
MAPPED_CONVERSATION = frozenset(
    {"id", "meta", "messages", "created_at", "contact_inbox", "timestamp", "last_activity_at",
     "status", "labels", "event"}
)  # fmt: skip
MAPPED_MESSAGE = frozenset(
    {"id", "message_type", "sender", "sender_type", "sender_id", "created_at", "content",
     "processed_message_content", "content_type", "content_attributes", "private",
     "attachments", "conversation", "account", "inbox", "event"}
)  # fmt: skip


def _attachments(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Chatwoot's attachment push data: file_type (image, audio, video, file, location, …),
    extension, data_url, file_size; the name is the last segment of the URL."""
    files = []
    for index, item in enumerate(
        require_list(data.get("attachments") or [], f"{where}.attachments")
    ):
        path = f"{where}.attachments[{index}]"
        item = require_object(item, path)
        url = text_of(item.get("data_url") or item.get("external_url"), f"{path}.data_url")
        name = url.rsplit("/", 1)[-1].split("?", 1)[0] or text_of(
            item.get("fallback_title"), f"{path}.fallback_title"
        )
        kind = text_of(item.get("file_type"), f"{path}.file_type")
        extension = text_of(item.get("extension"), f"{path}.extension")
        content_type = f"{kind}/{extension}" if kind and extension else kind
        files.append(attachment(name, content_type, item.get("file_size"), url, path))
    return files


def chatwoot_unmapped(payload: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    conversation = payload.get("conversation") if payload.get("event") in MESSAGE_EVENTS else None
    if isinstance(conversation, dict):
        unmapped_keys(payload, MAPPED_MESSAGE, "message", found)
        payload = conversation
    unmapped_keys(payload, MAPPED_CONVERSATION, "", found)
    unmapped_in_items(payload.get("messages"), MAPPED_MESSAGE, "messages", found)
    return found


def _message(
    data: dict[str, Any], where: str, customer_name: str, agents: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One Chatwoot message as an interchange message, and the CSAT answer it carries."""
    kind = data.get("message_type")
    if isinstance(kind, bool) or kind not in MESSAGE_ROLES:
        raise InterchangeError(
            f"{kind!r} is not a Chatwoot message_type (0-3 or incoming/outgoing/activity/template)",
            f"{where}.message_type",
        )
    sender = optional_object(data.get("sender"), f"{where}.sender")
    sender_type = text_of(data.get("sender_type") or sender.get("type"), f"{where}.sender_type")
    sender_id = text_of(data.get("sender_id") or sender.get("id"), f"{where}.sender_id")
    role = MESSAGE_ROLES[kind]
    if role == "agent" and sender_type.lower() in BOT_SENDER_TYPES:
        role = "bot"
    message: dict[str, Any] = {
        "sender": role,
        "sent_at": timestamp_iso(data.get("created_at"), f"{where}.created_at"),
        "text": text_of(
            data.get("processed_message_content") or data.get("content"), f"{where}.content"
        ),
        "external_id": text_of(data.get("id"), f"{where}.id"),
        "visibility": INTERNAL if data.get("private") is True else PUBLIC,
    }
    files = _attachments(data, where)
    if files:
        message["attachments"] = files
    if role == "agent" and sender_type.lower() == "user" and sender_id:
        message["agent_external_id"] = sender_id
        agents.setdefault(sender_id, text_of(sender.get("name"), f"{where}.sender.name"))
        message["author"] = agents[sender_id]
    elif role == "customer":
        message["author"] = text_of(sender.get("name"), f"{where}.sender.name") or customer_name
    csat = None
    if data.get("content_type") == "input_csat":
        attributes = optional_object(data.get("content_attributes"), f"{where}.content_attributes")
        submitted = optional_object(
            attributes.get("submitted_values"), f"{where}.content_attributes.submitted_values"
        )
        csat = optional_object(
            submitted.get("csat_survey_response"),
            f"{where}.content_attributes.submitted_values.csat_survey_response",
        )
    return message, csat or None


def conversation_to_chat(
    conversation: dict[str, Any], *, event: str = "", extra_messages: Sequence[Any] = ()
) -> dict[str, Any]:
    """A Chatwoot conversation payload (plus messages from message_created events, which a
    conversation payload does not repeat) as an interchange chat."""
    external_id = text_of(conversation.get("id"), "id")
    if not external_id:
        raise InterchangeError("is required (the conversation's display id)", "id")
    meta = optional_object(conversation.get("meta"), "meta")
    contact = optional_object(meta.get("sender"), "meta.sender")
    contact_attributes = optional_object(
        contact.get("additional_attributes"), "meta.sender.additional_attributes"
    )
    customer_name = text_of(contact.get("name"), "meta.sender.name")
    agents: dict[str, str] = {}
    assignee = optional_object(meta.get("assignee"), "meta.assignee")
    if assignee.get("id") is not None:
        agents[text_of(assignee["id"], "meta.assignee.id")] = text_of(
            assignee.get("available_name") or assignee.get("name"), "meta.assignee.name"
        )

    raw_messages = require_list(conversation.get("messages") or [], "messages")
    by_id: dict[str, tuple[str, dict[str, Any]]] = {}
    for index, item in enumerate([*raw_messages, *extra_messages]):
        where = f"messages[{index}]"
        item = require_object(item, where)
        key = text_of(item.get("id"), f"{where}.id") or f"#{index}"
        by_id[key] = (where, item)  # a later copy of the same message (an update) wins
    messages: list[dict[str, Any]] = []
    survey: dict[str, Any] | None = None
    ordered = []
    for key, (where, item) in by_id.items():
        message, csat = _message(item, where, customer_name, agents)
        ordered.append((message["sent_at"], key, message))
        if csat:
            rating = csat.get("rating")
            survey = {
                "rating": rating,
                "comment": text_of(csat.get("feedback_message"), f"{where}.csat.feedback_message"),
            }
    ordered.sort(key=lambda row: (row[0], row[1].zfill(20)))
    messages = [message for _, _, message in ordered]

    started_at = optional_timestamp_iso(conversation.get("created_at"), "created_at")
    if started_at is None:
        contact_inbox = optional_object(conversation.get("contact_inbox"), "contact_inbox")
        started_at = optional_timestamp_iso(
            contact_inbox.get("created_at"), "contact_inbox.created_at"
        )
    if started_at is None and messages:
        started_at = messages[0]["sent_at"]
    if started_at is None:
        raise InterchangeError(
            "no start time (created_at, contact_inbox.created_at or a message)", "created_at"
        )
    ended_at = None
    if event == "conversation_resolved" or conversation.get("status") == "resolved":
        ended_at = optional_timestamp_iso(
            conversation.get("timestamp") or conversation.get("last_activity_at"), "timestamp"
        )
    labels = conversation.get("labels") or []
    return {
        "external_id": external_id,
        "source": SOURCE,
        "started_at": started_at,
        "ended_at": ended_at,
        "country": contact_attributes.get("country_code") or "",
        "customer": {
            "external_id": text_of(contact.get("id"), "meta.sender.id"),
            "name": customer_name,
            "email": text_of(contact.get("email"), "meta.sender.email"),
            "phone": text_of(contact.get("phone_number"), "meta.sender.phone_number"),
        }
        if contact
        else None,
        "agents": [{"external_id": key, "name": name} for key, name in agents.items()],
        "messages": messages,
        "survey": survey,
        "tags": [text_of(label, "labels[]") for label in require_list(labels, "labels")],
    }


def payload_to_chat(payload: dict[str, Any]) -> dict[str, Any]:
    """Any conversation-bearing Chatwoot payload as an interchange chat."""
    event = payload.get("event") or ""
    if event in MESSAGE_EVENTS:
        conversation = require_object(payload.get("conversation"), "conversation")
        message = {
            key: value
            for key, value in payload.items()
            if key not in {"conversation", "account", "inbox", "event"}
        }
        return conversation_to_chat(conversation, extra_messages=[message])
    if event and event not in CONVERSATION_EVENTS:
        raise InterchangeError(f"Chatwoot event {event!r} carries no conversation", "event")
    if "meta" not in payload or "messages" not in payload:
        raise InterchangeError(
            "not a Chatwoot conversation or event payload (expected id, meta and messages)"
        )
    return conversation_to_chat(payload, event=event)


@register_document_format(SOURCE)
def chatwoot_units(data: bytes) -> Iterator[ImportUnit]:
    """One chat per conversation payload (a JSON array of payloads is read element by element)."""
    for document in documents_read(data):
        if isinstance(document, BadDocument):
            yield ImportUnit(document.number, document.raw, document.error)
            continue
        yield from _document_units(document)


def _document_units(document: Document) -> list[ImportUnit]:
    items = [(document.raw, document.value)]
    if isinstance(document.value, list):
        items = [(compact(item), item) for item in document.value]
    units: list[ImportUnit] = []
    for raw, value in items:
        if not isinstance(value, dict):
            units.append(unit_error(document.number, raw, "not a Chatwoot payload object"))
        else:
            units += validated_units(
                document.number, raw, one_chat(payload_to_chat, value), chatwoot_unmapped(value)
            )
    return units
