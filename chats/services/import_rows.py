"""The rows an import writes for messages and kept source documents, shared by the batch of new
chats (`import_batch`) and the later copies of stored ones (`import_update`)."""

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from chats.interchange import ChatPayload, MessagePayload
from chats.models import ChatSourceDocument
from core.db import rows_insert

MESSAGE_FIELDS = (
    "chat_id",
    "position",
    "sender",
    "agent_id",
    "author_name",
    "sent_at",
    "text",
    "external_id",
    "visibility",
    "attachments",
)
SOURCE_DOCUMENT_FIELDS = ("chat_id", "received_at", "content_sha256", "format", "document")
# Fast rather than small: documents are kept, rarely read, and compressed inside the import.
SOURCE_DOCUMENT_COMPRESSION = 1


def message_rows(
    chat_id: int,
    messages: Iterable[MessagePayload],
    *,
    source: str,
    agent_ids: dict[tuple[str, str], int],
    agent_names: dict[str, str],
    first_position: int = 0,
) -> list[tuple[object, ...]]:
    """The rows (MESSAGE_FIELDS) of a chat's messages from `first_position` on: one
    comprehension per chat rather than a call per message (imports write millions)."""
    return [
        (
            chat_id,
            position,
            sender,
            agent_ids.get((source, agent_external_id)) if agent_external_id else None,
            author or agent_names.get(agent_external_id, ""),
            sent_at,
            text,
            external_id,
            visibility,
            [attachment.as_dict() for attachment in attachments] if attachments else [],
        )
        for position, (
            sender,
            sent_at,
            text,
            agent_external_id,
            author,
            external_id,
            attachments,
            visibility,
        ) in enumerate(messages, first_position)
    ]


def source_document_compress(document: bytes) -> bytes:
    return zlib.compress(document, SOURCE_DOCUMENT_COMPRESSION)


def source_documents_insert(received: Iterable[tuple[int, ChatPayload]], *, now: datetime) -> None:
    """One bulk insert (COPY on PostgreSQL) of the documents as received, for their chats."""
    rows_insert(
        ChatSourceDocument,
        SOURCE_DOCUMENT_FIELDS,
        (
            (
                chat_id,
                now,
                payload.content_sha256,
                payload.source_format,
                source_document_compress(payload.source_document),
            )
            for chat_id, payload in received
            if payload.source_document
        ),
    )


def source_documents_kept(pairs: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (chat id, content hash) pairs already have their document kept."""
    if not pairs:
        return set()
    rows = ChatSourceDocument.objects.filter(
        chat_id__in={chat_id for chat_id, _ in pairs},
        content_sha256__in={sha for _, sha in pairs},
    ).values_list("chat_id", "content_sha256")
    wanted = set(pairs)
    return {pair for pair in rows if pair in wanted}


def source_documents_insert_returning_ids(
    received: Sequence[tuple[int, ChatPayload]], *, now: datetime
) -> dict[tuple[int, str], int]:
    """The documents of corrections (rare): inserted with their ids, to link each correction."""
    documents = ChatSourceDocument.objects.bulk_create(
        [
            ChatSourceDocument(
                chat_id=chat_id,
                received_at=now,
                content_sha256=payload.content_sha256,
                format=payload.source_format,
                document=source_document_compress(payload.source_document),
            )
            for chat_id, payload in received
            if payload.source_document
        ]
    )
    return {(document.chat_id, document.content_sha256): document.pk for document in documents}
