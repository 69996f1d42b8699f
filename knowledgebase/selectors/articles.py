"""Reading articles, their source links (with "source disposed on DATE"), and the suggestion of an
article from a chat (question = the customer's request, solution = the agent's resolution)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from chats.models import Chat, Message, SenderRole
from chats.selectors import transcript_lines
from core.exceptions import ApplicationError
from knowledgebase.models import (
    Article,
    ArticleSource,
    ChatCategory,
    ChatKeyword,
    KeywordSource,
)
from knowledgebase.text import is_pleasantry
from redaction.placeholders import text_without_placeholders

MIN_REQUEST_WORDS = 4
MIN_RESOLUTION_WORDS = 6
MAX_REQUEST_MESSAGES = 2
MAX_RESOLUTION_MESSAGES = 3


def articles_list(*, status: str = "", category: str = "", query: str = "") -> QuerySet[Article]:
    articles = Article.objects.select_related("category", "created_by").annotate(
        source_count=Count("sources")
    )
    if status:
        articles = articles.filter(status=status)
    if category:
        articles = articles.filter(category__slug=category)
    if query:
        articles = articles.filter(question__icontains=query)
    return articles.order_by("-updated_at", "-pk")


def article_with_sources(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.select_related("category", "created_by").prefetch_related(
        Prefetch(
            "sources",
            queryset=ArticleSource.objects.select_related("chat__record").annotate(
                chat_has_messages=Exists(Message.objects.filter(chat_id=OuterRef("chat_id")))
            ),
        )
    )


@dataclass(frozen=True)
class SourceStatus:
    chat_id: int | None
    label: str  # "source:external_id"
    available: bool
    disposed_at: datetime | None
    note: str


def article_source_status(source: ArticleSource) -> SourceStatus:
    """Whether a source chat can still be read. A disposed chat keeps its row but not its text;
    the records app says when (Record.disposed_at). Without a record, a chat whose messages are
    gone and whose transcript was locked counts as disposed, date unknown."""
    label = f"{source.chat_source}:{source.chat_external_id}"
    chat = source.chat
    if chat is None:
        return SourceStatus(None, label, False, None, "source chat removed")
    record = getattr(chat, "record", None)
    disposed_at = getattr(record, "disposed_at", None) if record is not None else None
    if disposed_at is not None:
        return SourceStatus(
            chat.pk, label, False, disposed_at, f"source disposed on {disposed_at:%Y-%m-%d}"
        )
    has_messages = getattr(source, "chat_has_messages", None)
    if has_messages is None:
        has_messages = chat.messages.exists()
    if not has_messages and chat.locked_at is not None:
        return SourceStatus(chat.pk, label, False, None, "source disposed")
    return SourceStatus(chat.pk, label, True, None, "")


def article_sources_status(article: Article) -> list[SourceStatus]:
    return [article_source_status(source) for source in article.sources.all()]


def _words(text: str) -> int:
    return len(text_without_placeholders(text).split())


def _is_resolution(message: Message) -> bool:
    text = message.text_redacted or ""
    return (
        message.sender == SenderRole.AGENT
        and _words(text) >= MIN_RESOLUTION_WORDS
        and not is_pleasantry(text)
    )


def article_suggestion_from_chat(*, chat: Chat) -> dict[str, Any]:
    """Initial values for "suggest an article from this chat", from the redacted layer only."""
    if chat.redacted_at is None:
        raise ApplicationError(
            "This chat is not redacted yet; an article can only be drafted from redacted text",
            extra={"chat": chat.pk},
        )
    messages = list(
        transcript_lines()  # an agent's internal note never becomes an article
        .filter(chat=chat, text_redacted__isnull=False)
        .only("sender", "text_redacted", "position")
        .order_by("position")
    )
    if not messages:
        raise ApplicationError("This chat has no text left (disposed?)", extra={"chat": chat.pk})
    # The request: the customer's substantive messages before the agent starts resolving.
    requests: list[str] = []
    first_request_at: int | None = None
    for message in messages:
        text = message.text_redacted or ""
        if message.sender == SenderRole.CUSTOMER and _words(text) >= MIN_REQUEST_WORDS:
            requests.append(text)
            if first_request_at is None:
                first_request_at = message.position
            if len(requests) >= MAX_REQUEST_MESSAGES:
                break
        elif first_request_at is not None and _is_resolution(message):
            break
    resolutions = [
        message.text_redacted or ""
        for message in messages
        if (first_request_at is None or message.position > first_request_at)
        and _is_resolution(message)
    ][-MAX_RESOLUTION_MESSAGES:]
    keywords = list(
        ChatKeyword.objects.filter(chat=chat)
        .order_by("source", "rank")
        .values_list("term", flat=True)[:8]
    )
    category = (
        ChatCategory.objects.filter(chat=chat).order_by("pk").values_list("category_id", flat=True)
    ).first()
    return {
        "question": " ".join(requests),
        "solution": "\n\n".join(resolutions),
        "keywords": list(dict.fromkeys(keywords)),
        "category": category,
        "source_chat": chat.pk,
        "manual_tags": list(
            ChatKeyword.objects.filter(chat=chat, source=KeywordSource.MANUAL).values_list(
                "term", flat=True
            )
        ),
    }
