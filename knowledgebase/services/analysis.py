"""Analysing redacted chats: the work of the `extract_keywords` job.

For each chat that is redacted and not analysed yet (or re-redacted since): keywords (spaCy, one
nlp.pipe pass per chunk), categories from the taxonomy, per-message sentiment, the chat's
sentiment and satisfaction with its explanation, first-response and handle times, and its search
document.

Invariants and transaction boundaries:
- Only Message.text_redacted and Survey.comment_redacted are read; never the original text.
- The slow part (NLP) runs outside any transaction; each chunk's writes are one transaction, so a
  chat is never half-analysed. Inside it the chunk's chats are locked and compare-and-set on
  `redacted_at`: a chat re-redacted meanwhile is left for the next run.
- The job is resumable and idempotent: a chat counts as done when its insight's
  `source_redacted_at` equals the chat's `redacted_at`; re-running redoes nothing.
- Manual tags (source=manual) are never touched here.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet

from chats.models import Chat, Message, SenderRole, Survey
from chats.selectors import transcript_lines
from core.batching import chunks_process, ids_after
from core.db import any_of
from core.isolation import chunk_process_isolated
from knowledgebase.models import ChatInsight, ChatKeyword, KeywordSource, MessageSentiment
from knowledgebase.nlp import KEYWORDS_VERSION, ChatText, Keyword, keywords_extract
from knowledgebase.sentiment import (
    SENTIMENT_MODEL,
    MessageScore,
    messages_sentiment_scores,
    satisfaction_compute,
    sentiment_model_version,
)
from knowledgebase.sentiment_fr import FRENCH_SENTIMENT_MODEL, french_sentiment_version
from knowledgebase.services.boilerplate import boilerplate_current
from knowledgebase.services.search_index import (
    chat_document_fields,
    chat_documents_save,
    search_documents_purge_disposed,
)
from knowledgebase.services.taxonomy import (
    chat_weighted_keywords,
    chats_categories_replace,
    taxonomy_map,
)
from knowledgebase.services.topic_placement import chats_topic_place, term_topic_map
from knowledgebase.taxonomy import taxonomy_version

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

ANALYSIS_CHUNK_SIZE = 200
ANALYSIS_VERSION = f"{KEYWORDS_VERSION}+vader+fr"


def week_start_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def chats_pending_analysis() -> QuerySet[Chat]:
    """Redacted chats without an insight for their current redaction."""
    return Chat.objects.filter(redacted_at__isnull=False).filter(
        Q(insight__isnull=True) | ~Q(insight__source_redacted_at=F("redacted_at"))
    )


@dataclass
class AnalysisSummary:
    analysed: int = 0
    skipped_changed: int = 0
    messages_scored: int = 0
    messages_not_scored: int = 0
    documents_purged: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # chat ids isolated this run (issue #12)

    def add(self, other: "AnalysisSummary") -> None:
        self.analysed += other.analysed
        self.skipped_changed += other.skipped_changed
        self.messages_scored += other.messages_scored
        self.messages_not_scored += other.messages_not_scored


@dataclass
class _ChatAnalysis:
    chat: Chat
    redacted_at: datetime
    messages: list[Message]
    survey: Survey | None
    keywords: list[Keyword] = field(default_factory=list)
    sentiments: list[MessageSentiment] = field(default_factory=list)
    insight: dict[str, object] = field(default_factory=dict)


def _times(chat: Chat, messages: list[Message]) -> tuple[float | None, float | None]:
    first_customer = next((m.sent_at for m in messages if m.sender == SenderRole.CUSTOMER), None)
    first_response = None
    if first_customer is not None:
        reply = next(
            (
                m.sent_at
                for m in messages
                if m.sender == SenderRole.AGENT and m.sent_at >= first_customer
            ),
            None,
        )
        if reply is not None:
            first_response = (reply - first_customer).total_seconds()
    handle = None
    if chat.ended_at is not None:
        handle = (chat.ended_at - chat.started_at).total_seconds()
    elif messages:
        handle = (messages[-1].sent_at - messages[0].sent_at).total_seconds()
    return first_response, handle


def _scored_messages(item: _ChatAnalysis) -> list[Message]:
    return [
        message
        for message in item.messages
        if message.sender in (SenderRole.CUSTOMER, SenderRole.AGENT) and message.text_redacted
    ]


def _chunk_sentiments(items: list[_ChatAnalysis]) -> dict[int, MessageScore]:
    """Every scored message of the chunk (and survey comment, keyed by -chat id) in one call,
    so that the French lines are encoded in one batch."""
    keys: list[int] = []
    lines: list[tuple[str, str]] = []
    for item in items:
        for message in _scored_messages(item):
            keys.append(message.pk)
            lines.append((message.text_redacted or "", item.chat.language))
        if item.survey is not None and item.survey.comment_redacted:
            keys.append(-item.chat.pk)
            lines.append((item.survey.comment_redacted, item.chat.language))
    return dict(zip(keys, messages_sentiment_scores(lines), strict=True))


def _score(item: _ChatAnalysis, sentiments: dict[int, MessageScore]) -> None:
    version = sentiment_model_version()
    fr_version = french_sentiment_version()
    chat = item.chat
    customer_scores: list[float] = []
    scored = not_scored = 0
    for message in _scored_messages(item):
        result = sentiments[message.pk]
        item.sentiments.append(
            MessageSentiment(
                message_id=message.pk,
                chat_id=chat.pk,
                score=result.score,
                model_name=result.model,
                model_version=version if result.model == SENTIMENT_MODEL else fr_version,
                language=result.language,
                not_scored_reason=result.not_scored_reason,
            )
        )
        if result.score is None:
            not_scored += 1
            continue
        scored += 1
        if message.sender == SenderRole.CUSTOMER:
            customer_scores.append(result.score)
    survey = item.survey
    comment_score = None
    if survey is not None and survey.comment_redacted:
        comment_score = sentiments[-chat.pk].score
    sentiment = round(fmean(customer_scores), 4) if customer_scores else None
    explanation = satisfaction_compute(
        rating=survey.rating if survey else None,
        resolved=survey.resolved if survey else None,
        message_sentiment=sentiment,
        messages_scored=len(customer_scores),
        comment_sentiment=comment_score,
    )
    models_used = f"{SENTIMENT_MODEL} {version}"
    if any(s.model_name == FRENCH_SENTIMENT_MODEL for s in item.sentiments):
        models_used = f"{FRENCH_SENTIMENT_MODEL} {fr_version}"
    explanation["model"] = models_used
    first_response, handle = _times(chat, item.messages)
    item.insight = {
        "source_redacted_at": item.redacted_at,
        "analysis_version": ANALYSIS_VERSION,
        "language": chat.language,
        "country": chat.country,
        "week_start": week_start_of(chat.started_at),
        "sentiment": sentiment,
        "sentiment_model": models_used[:64],
        "messages_scored": scored,
        "messages_not_scored": not_scored,
        "survey_rating": survey.rating if survey else None,
        "survey_resolved": survey.resolved if survey else None,
        "has_survey": survey is not None and survey.rating is not None,
        "comment_sentiment": comment_score,
        "satisfaction": explanation["score"],
        "satisfaction_explanation": explanation,
        "first_response_seconds": first_response,
        "handle_seconds": handle,
    }


def _load_chunk(chat_ids: list[int]) -> list[_ChatAnalysis]:
    chats = (
        Chat.objects.filter(pk__in=chat_ids)
        .select_related("survey")
        .prefetch_related(
            Prefetch(
                "messages",
                # Only the redacted layer is loaded: the original text never leaves the database.
                # Transcript lines only: agents' internal notes never enter the knowledge base.
                queryset=transcript_lines()
                .only("pk", "chat_id", "position", "sender", "sent_at", "text_redacted")
                .order_by("position"),
            )
        )
        .order_by("pk")
    )
    items = []
    for chat in chats:
        assert chat.redacted_at is not None  # noqa: S101 - chats_pending_analysis guarantees it
        items.append(
            _ChatAnalysis(
                chat=chat,
                redacted_at=chat.redacted_at,
                messages=list(chat.messages.all()),
                survey=getattr(chat, "survey", None),
            )
        )
    return items


def _write_chunk(
    items: list[_ChatAnalysis],
    *,
    now: datetime,
    taxonomy: dict[str, str],
    version: str,
    term_topic: dict[str, int],
) -> None:
    """The chunk's writes, set-based (issue #19): the same statements whatever the number of
    chats (bulk inserts are split only where the database caps the parameters of a statement,
    999 on SQLite). Runs inside the chunk's transaction; a failing statement fails the chunk,
    and `chunk_process_isolated` retries its chats one by one."""
    if not items:
        return
    chat_ids = [item.chat.pk for item in items]
    ChatKeyword.objects.filter(any_of("chat_id", chat_ids), source=KeywordSource.AUTO).delete()
    ChatKeyword.objects.bulk_create(
        [
            ChatKeyword(
                chat_id=item.chat.pk,
                term=keyword.term,
                weight=keyword.weight,
                rank=rank,
                source=KeywordSource.AUTO,
                added_at=now,
            )
            for item in items
            for rank, keyword in enumerate(item.keywords, start=1)
        ]
    )
    # Manual tags included: a chat's categories, topic and document see them as before.
    weighted = chat_weighted_keywords(chat_ids)
    categories = chats_categories_replace(keywords=weighted, taxonomy=taxonomy)
    chats_topic_place(keywords=weighted, term_topic=term_topic)
    MessageSentiment.objects.filter(any_of("chat_id", chat_ids)).delete()
    MessageSentiment.objects.bulk_create(
        [sentiment for item in items for sentiment in item.sentiments]
    )
    # One upsert: an existing insight keeps its row (and rolled_up_at), as update_or_create did.
    ChatInsight.objects.bulk_create(
        [
            ChatInsight(
                chat_id=item.chat.pk,
                **item.insight,
                analysed_at=now,
                updated_at=now,
                taxonomy_version=version,
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["chat"],
        update_fields=[*items[0].insight, "analysed_at", "updated_at", "taxonomy_version"],
    )
    chat_documents_save(
        documents={
            item.chat.pk: chat_document_fields(
                chat=item.chat,
                messages=item.messages,
                comment_redacted=item.survey.comment_redacted if item.survey else None,
                keywords=[term for term, _ in weighted[item.chat.pk]],
                categories=categories[item.chat.pk],
            )
            for item in items
        },
        now=now,
    )


def _analyse_chunk(chat_ids: "Sequence[int]", *, now: datetime) -> AnalysisSummary:
    summary = AnalysisSummary()
    items = _load_chunk(list(chat_ids))
    taxonomy = taxonomy_map()
    version = taxonomy_version(taxonomy)
    texts = [
        ChatText(
            chat_id=item.chat.pk,
            language=item.chat.language,
            customer=[
                m.text_redacted
                for m in item.messages
                if m.sender == SenderRole.CUSTOMER and m.text_redacted
            ],
            agent=[
                m.text_redacted
                for m in item.messages
                if m.sender == SenderRole.AGENT and m.text_redacted
            ],
        )
        for item in items
    ]
    boilerplate, canned = boilerplate_current()
    keywords = keywords_extract(
        texts, known_phrases=taxonomy, boilerplate=boilerplate, canned=canned
    )
    term_topic = term_topic_map()
    sentiments = _chunk_sentiments(items)
    for item in items:
        item.keywords = keywords[item.chat.pk]
        _score(item, sentiments)
    with transaction.atomic():
        # Compare-and-set: only chats still redacted exactly as we read them are written.
        current = dict(
            Chat.objects.select_for_update()
            .filter(pk__in=[item.chat.pk for item in items])
            .values_list("pk", "redacted_at")
        )
        fresh = []
        for item in items:
            if current.get(item.chat.pk) != item.redacted_at:
                summary.skipped_changed += 1
                continue
            fresh.append(item)
            summary.analysed += 1
            summary.messages_scored += sum(s.score is not None for s in item.sentiments)
            summary.messages_not_scored += sum(s.score is None for s in item.sentiments)
        _write_chunk(fresh, now=now, taxonomy=taxonomy, version=version, term_topic=term_topic)
    return summary


def chats_analyse(*, now: datetime, chunk_size: int = ANALYSIS_CHUNK_SIZE) -> AnalysisSummary:
    """Analyses every pending chat, chunk by chunk; removes documents of disposed chats first."""
    summary = AnalysisSummary()
    with transaction.atomic():
        summary.documents_purged = search_documents_purge_disposed()

    def analyse(chat_ids: "Sequence[int]") -> None:
        # A chat that fails (NLP, scoring or writing) is isolated: the others of its chunk
        # are analysed, it is counted as failed and stays pending for the next run.
        outcomes, failed = chunk_process_isolated(
            list(chat_ids),
            lambda ids: _analyse_chunk(ids, now=now),
            job="extract_keywords",
            item_id=int,
            atomic=False,
        )
        for outcome in outcomes:
            summary.add(outcome)
        summary.failed.extend(failed)
        summary.chunks += 1

    # A key cursor: a failed chat stays pending, and must not be claimed again in this run.
    chunks_process(
        claim=lambda after: ids_after(chats_pending_analysis(), after, chunk_size),
        process=analyse,
        chunk_size=chunk_size,
        atomic=False,
        label="extract_keywords",
    )
    logger.info(
        "analysed %d chats in %d chunks (%d changed meanwhile, %d documents purged, %d failed)",
        summary.analysed,
        summary.chunks,
        summary.skipped_changed,
        summary.documents_purged,
        len(summary.failed),
    )
    return summary
