"""Reading chats: list/detail querysets, the interchange view of a chat, and chat extras.

Other apps add keys to a chat's exported/API view (record, sentiment, satisfaction, keywords)
by answering `chats.hooks.chat_extras_collect` for many chats at once, so a page of chats costs
one query per receiver, never one per chat. Filtering is `chats.filters.ChatFilter`.
"""

import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from chats.hooks import ChatExtra, ChatExtrasQuery, chat_extras_collect
from chats.models import Chat, ChatSourceDocument, Message, MessageVisibility
from core.batching import chunks_read, rows_after

EXPORT_CHUNK_SIZE = 500
NOT_YET_REDACTED = "[not yet redacted]"


def chat_extras(chat_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The extra keys of each chat, `{chat_id: {key: value}}`, from every receiver of
    `chat_extras_collect` (a chat a receiver does not answer for gets its default)."""
    extras: dict[int, dict[str, Any]] = {chat_id: {} for chat_id in chat_ids}
    if not chat_ids:
        return extras
    answers = chat_extras_collect.send(ChatExtrasQuery(chat_ids=tuple(chat_ids)))
    for extra in (one for answer in answers for one in _as_tuple(answer)):
        values, default, key = extra.values, extra.default, extra.key
        fresh_list = isinstance(default, list)  # each chat gets its own empty list
        for chat_id in chat_ids:
            value = values.get(chat_id, default)
            extras[chat_id][key] = list(value) if fresh_list and value is default else value
    return extras


def _as_tuple(answer: ChatExtra | tuple[ChatExtra, ...]) -> tuple[ChatExtra, ...]:
    return answer if isinstance(answer, tuple) else (answer,)


def transcript_lines() -> QuerySet[Message]:
    """The messages that are transcript lines: every message but agents' internal notes, which
    are kept apart (SPEC §3) and never shown, sent or analysed as the conversation."""
    return Message.objects.filter(visibility=MessageVisibility.PUBLIC)


def chat_with_transcript(
    queryset: QuerySet[Chat], *, with_internal_notes: bool = False
) -> QuerySet[Chat]:
    """Adds everything a transcript view needs, in a fixed number of queries. `messages` holds
    the transcript lines only, unless `with_internal_notes` (the export of the whole record)."""
    messages = Message.objects.all() if with_internal_notes else transcript_lines()
    return queryset.select_related("customer", "survey").prefetch_related(
        "agents",
        Prefetch("messages", queryset=messages.select_related("agent").order_by("position")),
    )


def chat_for_api_detail(queryset: QuerySet[Chat], *, with_internal_notes: bool) -> QuerySet[Chat]:
    """What the API's chat detail shows, in one messages query: `api_messages` holds the
    transcript lines, and the internal notes too when `with_internal_notes`, in position order
    (`chat_messages_split` parts them). No agents: the API detail does not show them."""
    messages = Message.objects.all() if with_internal_notes else transcript_lines()
    return queryset.select_related("customer", "survey").prefetch_related(
        Prefetch(
            "messages",
            queryset=messages.select_related("agent").order_by("position"),
            to_attr="api_messages",
        )
    )


def chat_messages_split(messages: list[Message]) -> tuple[list[Message], list[Message]]:
    """(transcript lines, internal notes) of messages in position order, each in that order."""
    transcript = [m for m in messages if m.visibility == MessageVisibility.PUBLIC]
    notes = [m for m in messages if m.visibility == MessageVisibility.INTERNAL]
    return transcript, notes


def chat_internal_notes(chat: Chat) -> QuerySet[Message]:
    """A chat's internal notes, in order: for managers' and auditors' separate section."""
    return (
        Message.objects.filter(chat=chat, visibility=MessageVisibility.INTERNAL)
        .select_related("agent")
        .order_by("position")
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def message_text_for(message: Message, *, redacted: bool) -> str:
    """The text a reader gets. Redacted readers never get the original, even if not redacted yet."""
    if redacted:
        return message.text_redacted if message.text_redacted is not None else NOT_YET_REDACTED
    if message.original_purged_at is not None:
        return message.text_redacted or ""
    return message.text


def message_attachments_for(message: Message, *, redacted: bool) -> list[dict[str, Any]]:
    """The attachments a reader gets: their redacted layer to redacted readers (none until the
    chat is redacted: a file name may be a person's name) and once the originals are purged."""
    if redacted or message.original_purged_at is not None:
        return [dict(item) for item in message.attachments_redacted or []]
    return [dict(item) for item in message.attachments or []]


def attachment_label(attachment: dict[str, Any]) -> str:
    """How a transcript shows an attachment: "[attachment: name, type]"."""
    name = str(attachment.get("name") or "") or "unnamed"
    kind = str(attachment.get("content_type") or "") or "unknown type"
    return f"[attachment: {name}, {kind}]"


def message_transcript_text(message: Message, *, redacted: bool) -> str:
    """A transcript line's text: the message's text, then a label per attachment, so a message
    with attachments and no text still says what was sent."""
    labels = [attachment_label(a) for a in message_attachments_for(message, redacted=redacted)]
    text = message_text_for(message, redacted=redacted)
    return "\n".join(part for part in (text, *labels) if part)


CUSTOMER_AUTHOR_LABEL = "Customer"


def message_author_for(message: Message, *, show_identity: bool) -> str:
    """The author shown: agents, bots and the system by name; a customer by name only to those
    who may see customer identity, to everyone else as "Customer" (R-ROLE-1)."""
    if message.sender == "customer" and not show_identity:
        return CUSTOMER_AUTHOR_LABEL if message.author_name else ""
    return message.author_name


def chat_tags_for(chat: Chat, *, show_identity: bool) -> list[str]:
    """The source's tags as given to those who may see original text, else their redacted
    layer (none until the chat is redacted: a tag may be an e-mail address)."""
    if show_identity:
        return list(chat.tags or [])
    return list(chat.tags_redacted or [])


def chat_to_interchange(chat: Chat, *, redacted: bool, extras: dict[str, Any]) -> dict[str, Any]:
    """A chat in interchange format v1 (SPEC §3) plus its extras (record, sentiment, …)."""
    customer: dict[str, Any] | None = None
    if chat.customer is not None:
        customer = {"external_id": chat.customer.external_id}
        if not redacted:
            customer.update(
                name=chat.customer.name, email=chat.customer.email, phone=chat.customer.phone
            )
    survey_data: dict[str, Any] | None = None
    survey = getattr(chat, "survey", None)
    if survey is not None:
        if redacted:
            comment = survey.comment_redacted if survey.comment_redacted is not None else ""
            answers = survey.answers_redacted or {}
        else:
            # After the original-text purge only the redacted answers remain.
            comment, answers = survey.comment, survey.answers or survey.answers_redacted or {}
        survey_data = {
            "rating": survey.rating,
            "resolved": survey.resolved,
            "comment": comment,
            "answers": answers,
        }
    messages = []
    for message in chat.messages.all():
        item: dict[str, Any] = {
            "sender": message.sender,
            "sent_at": _iso(message.sent_at),
            "text": message_text_for(message, redacted=redacted),
        }
        if message.agent is not None:
            item["agent_external_id"] = message.agent.external_id
        if message.external_id:
            item["external_id"] = message.external_id
        attachments = message_attachments_for(message, redacted=redacted)
        if attachments:
            item["attachments"] = attachments
        item["visibility"] = message.visibility
        if redacted and message.visibility == MessageVisibility.INTERNAL:
            # An agent's private note keeps its place in a redacted export, never its words:
            # redacted exports feed knowledge bases and readers without original text (SPEC §3).
            item["text"] = ""
            item.pop("attachments", None)
        messages.append(item)
    return {
        "external_id": chat.external_id,
        "source": chat.source,
        "started_at": _iso(chat.started_at),
        "ended_at": _iso(chat.ended_at),
        "language": chat.language,
        "country": chat.country,
        "region": chat.region,
        "country_source": chat.country_source,
        "country_confidence": chat.country_confidence,
        "customer": customer,
        "agents": [
            {"external_id": agent.external_id, "name": agent.name} for agent in chat.agents.all()
        ],
        "messages": messages,
        "survey": survey_data,
        "tags": chat_tags_for(chat, show_identity=not redacted),
        **extras,
    }


def chats_source_documents(chat_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The documents as received (SPEC §3), by chat, oldest first, as text. Personal data: for
    original-text exports only (the DSR export, `export_records --original`), never a page."""
    documents: dict[int, list[dict[str, Any]]] = {}
    rows = (
        ChatSourceDocument.objects.filter(chat_id__in=chat_ids)
        .order_by("chat_id", "received_at", "pk")
        .values_list("chat_id", "received_at", "format", "document")
    )
    for chat_id, received_at, source_format, document in rows:
        text = zlib.decompress(bytes(document)).decode("utf-8", errors="replace")
        documents.setdefault(chat_id, []).append(
            {"received_at": _iso(received_at), "format": source_format, "document": text}
        )
    return documents


def chats_export(
    *, queryset: QuerySet[Chat], redacted: bool, with_source_documents: bool = False
) -> Iterator[dict[str, Any]]:
    """Streams interchange dicts chunk by chunk (constant memory, constant queries per chunk).
    `with_source_documents` (original text only) adds each chat's documents as received."""
    if redacted and with_source_documents:
        raise ValueError("source documents are personal data: never in a redacted export")
    base = queryset.order_by("pk")
    if redacted:
        # A chat that is not redacted yet has nothing safe to export.
        base = base.filter(redacted_at__isnull=False)
    chunks = chunks_read(
        claim=lambda after: rows_after(
            chat_with_transcript(base, with_internal_notes=True), after, EXPORT_CHUNK_SIZE
        ),
        chunk_size=EXPORT_CHUNK_SIZE,
    )
    for chunk in chunks:
        extras = chat_extras([chat.pk for chat in chunk])
        documents = chats_source_documents([c.pk for c in chunk]) if with_source_documents else {}
        for chat in chunk:
            exported = chat_to_interchange(chat, redacted=redacted, extras=extras[chat.pk])
            if with_source_documents:
                exported["source_documents"] = documents.get(chat.pk, [])
            yield exported
