"""Keeping SearchDocument rows current. The vendor full-text index follows each row by trigger
(migration 0002), so writing the row is all a service has to do.

A chat document is built from the redacted layer only, and only for a redacted chat. A disposed
chat (its messages deleted) loses its document: `search_documents_purge_disposed` removes every
chat document whose chat has no message left or is no longer redacted.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db.models import Exists, OuterRef

from chats.models import Chat, Message, SenderRole
from core.db import any_of
from knowledgebase.models import Article, ArticleStatus, DocumentKind, SearchDocument

TITLE_LENGTH = 120
SENDER_LABELS: dict[str, str] = {
    SenderRole.CUSTOMER: "Customer",
    SenderRole.AGENT: "Agent",
    SenderRole.BOT: "Bot",
}


def _bar_joined(values: Iterable[str]) -> str:
    values = [value for value in dict.fromkeys(values) if value]
    return f"|{'|'.join(values)}|" if values else ""


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def chat_document_fields(
    *,
    chat: Chat,
    messages: Sequence[Message],
    comment_redacted: str | None,
    keywords: Sequence[str],
    categories: Sequence[str],
) -> dict[str, object]:
    """The document of a redacted chat. `messages` are the chat's messages in order."""
    lines = []
    first_request = ""
    for message in messages:
        label = SENDER_LABELS.get(message.sender)
        if label is None or not message.text_redacted:
            continue
        lines.append(f"{label}: {message.text_redacted}")
        if (
            not first_request
            and message.sender == SenderRole.CUSTOMER
            and len(message.text_redacted.split()) >= 3
        ):
            first_request = message.text_redacted
    if comment_redacted:
        lines.append(f"Survey comment: {comment_redacted}")
    title = f"Chat {chat.external_id}"
    if first_request:
        title = f"{title}: {_shorten(first_request, TITLE_LENGTH)}"
    return {
        "kind": DocumentKind.CHAT,
        "chat_external_id": chat.external_id,
        "title": title,
        "body": "\n".join(lines),
        "language": chat.language,
        "country": chat.country,
        "occurred_at": chat.started_at,
        "keywords": _bar_joined(keywords),
        "categories": _bar_joined(categories),
    }


def chat_document_save(*, chat: Chat, fields: dict[str, object], now: datetime) -> None:
    chat_documents_save(documents={chat.pk: fields}, now=now)


def chat_documents_save(*, documents: Mapping[int, dict[str, object]], now: datetime) -> None:
    """Writes the documents of many chats ({chat id: chat_document_fields(...)}) in one upsert
    per batch: a chat's existing document is updated in place (same row, so its vector stays
    linked and is found stale by its `updated_at`), a new one inserted. The vendor's triggers
    keep the full-text index (and the PostgreSQL rank table) in step on both paths."""
    if not documents:
        return
    columns = sorted({name for fields in documents.values() for name in fields})
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(chat_id=chat_id, **fields, updated_at=now)
            for chat_id, fields in documents.items()
        ],
        update_conflicts=True,
        unique_fields=["chat"],
        update_fields=[*columns, "updated_at"],
    )


def chat_document_labels_update(
    *, chat_id: int, keywords: Sequence[str], categories: Sequence[str], now: datetime
) -> None:
    """After a manual tag or a taxonomy change: only the keyword/category columns move."""
    SearchDocument.objects.filter(chat_id=chat_id).update(
        keywords=_bar_joined(keywords), categories=_bar_joined(categories), updated_at=now
    )


def article_document_sync(*, article: Article, now: datetime) -> None:
    """Published articles are searchable; drafts are not."""
    if article.status != ArticleStatus.PUBLISHED:
        SearchDocument.objects.filter(article=article).delete()
        return
    SearchDocument.objects.update_or_create(
        article=article,
        defaults={
            "kind": DocumentKind.ARTICLE,
            "title": article.question,
            "body": article.solution,
            "language": "",
            "country": "",
            "occurred_at": article.published_at or article.updated_at,
            "keywords": _bar_joined(article.keywords),
            "categories": _bar_joined([article.category.slug] if article.category else []),
            "updated_at": now,
        },
    )


def search_documents_purge_disposed() -> int:
    """Removes documents of chats whose messages are gone (disposed) or that lost redaction."""
    has_messages = Exists(Message.objects.filter(chat_id=OuterRef("chat_id")))
    stale = SearchDocument.objects.filter(kind=DocumentKind.CHAT).filter(
        ~has_messages
        | Exists(Chat.objects.filter(pk=OuterRef("chat_id"), redacted_at__isnull=True))
    )
    deleted, _ = stale.delete()
    return deleted


def chat_search_documents_delete(*, chat_ids: Sequence[int]) -> int:
    """For the disposal job: call inside the disposal transaction to drop the chats' copies."""
    deleted, _ = SearchDocument.objects.filter(any_of("chat_id", chat_ids)).delete()
    return deleted


def chat_search_documents_drop_destroyed(chat_ids: list[int]) -> None:
    """Receiver of retention.hooks.chats_destroyed (knowledgebase.receivers), inside the
    destruction transaction: the search copy of a destroyed chat goes with its messages. An
    anonymised chat keeps its messages' redacted text as a knowledge item, so its search copy
    stays."""
    remaining = set(
        Message.objects.filter(any_of("chat_id", chat_ids))
        .order_by()  # Message's default ordering would make DISTINCT include the position
        .values_list("chat_id", flat=True)
        .distinct()
    )
    chat_search_documents_delete(chat_ids=[pk for pk in chat_ids if pk not in remaining])
