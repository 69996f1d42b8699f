"""Keeping the concept-search vectors current: the work of the `embed_search_documents` job.

A search document (the redacted layer only: see search_index.py) is embedded when it has no
vector, when its text changed since it was embedded, or when EMBEDDING_MODEL changed. A deleted
document (a destroyed chat, an unpublished article) loses its vector by cascade, so a destroyed
chat never leaves a vector behind.

Invariants and transaction boundaries:
- Only SearchDocument rows are read: they hold redacted text, never the original.
- Encoding (the slow part) runs outside any transaction; each chunk's writes are one
  transaction. A document rewritten while its chunk was being encoded keeps its old
  `source_updated_at` on the vector, so the next run embeds it again.
- Idempotent and resumable: a document counts as done when its vector's `source_updated_at`
  equals the document's `updated_at` under the current model; re-running redoes nothing.
"""

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import F, Q, QuerySet

from chats.models import SenderRole
from core.batching import chunks_process, rows_after
from core.embeddings import embedding_model_name, texts_embed
from knowledgebase.models import ChatInsight, DocumentKind, DocumentVector, SearchDocument
from knowledgebase.text import is_courtesy

logger = logging.getLogger(__name__)

EMBED_CHUNK_SIZE = 256
# The customer's own words say what a chat is about; agents' lines are mostly courtesy.
EMBED_TEXT_CHARS = 700
ARTICLE_SOLUTION_CHARS = 400

# The prior of a useful answer (issue #17): a vetted article first, then a chat where an agent
# answered and the customer was satisfied or the problem resolved, then any answered chat;
# abandoned and bot-only chats last.
QUALITY_ARTICLE = 1.0
QUALITY_ANSWERED_SATISFIED = 0.85
QUALITY_ANSWERED = 0.6
QUALITY_ANSWERED_UNRESOLVED = 0.45
QUALITY_UNANSWERED = 0.15
SATISFIED_RATING = 4
SATISFIED_SCORE = 60.0


_LABEL_PREFIXES = {SenderRole.CUSTOMER: "Customer: ", SenderRole.AGENT: "Agent: "}


@dataclass
class EmbedSummary:
    embedded: int = 0
    unchanged: int = 0
    chunks: int = 0


def search_documents_pending_embedding(*, model: str) -> QuerySet[SearchDocument]:
    return SearchDocument.objects.filter(
        Q(vector__isnull=True)
        | ~Q(vector__source_updated_at=F("updated_at"))
        | ~Q(vector__model=model)
    )


def _lines_of(body: str, prefix: str) -> list[str]:
    return [line[len(prefix) :] for line in body.splitlines() if line.startswith(prefix)]


def document_embedding_text(document: SearchDocument) -> str:
    """What a document is about: an article's question and the start of its answer; a chat's
    title (its first real request) and the customer's lines."""
    if document.kind == DocumentKind.ARTICLE:
        return f"{document.title}. {document.body[:ARTICLE_SOLUTION_CHARS]}"
    customer_lines = [
        line
        for line in _lines_of(document.body, _LABEL_PREFIXES[SenderRole.CUSTOMER])
        if not is_courtesy(line)
    ]
    title = document.title.split(": ", 1)[1] if ": " in document.title else ""
    answers = [
        line
        for line in _lines_of(document.body, _LABEL_PREFIXES[SenderRole.AGENT])
        if not is_courtesy(line)
    ][:1]
    parts = [title, *(line for line in customer_lines if line != title), *answers]
    text = " ".join(part for part in parts if part)
    return (text or document.body)[:EMBED_TEXT_CHARS]


def document_quality(document: SearchDocument, insight: ChatInsight | None) -> float:
    if document.kind == DocumentKind.ARTICLE:
        return QUALITY_ARTICLE
    answered = any(
        line.startswith(_LABEL_PREFIXES[SenderRole.AGENT]) for line in document.body.splitlines()
    )
    if not answered:
        return QUALITY_UNANSWERED
    if insight is None:
        return QUALITY_ANSWERED
    if insight.survey_resolved is False:
        return QUALITY_ANSWERED_UNRESOLVED
    satisfied = (
        insight.survey_resolved is True
        or (insight.survey_rating or 0) >= SATISFIED_RATING
        or (insight.satisfaction or 0.0) >= SATISFIED_SCORE
    )
    return QUALITY_ANSWERED_SATISFIED if satisfied else QUALITY_ANSWERED


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def vectors_from_bytes(blobs: Iterable[bytes]) -> np.ndarray:
    rows = [np.frombuffer(bytes(blob), dtype=np.float16) for blob in blobs]
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)


def _embed_chunk(documents: list[SearchDocument], *, model: str, now: datetime) -> EmbedSummary:
    summary = EmbedSummary(chunks=1)
    insights = {
        insight.chat_id: insight
        for insight in ChatInsight.objects.filter(
            chat_id__in=[d.chat_id for d in documents if d.chat_id is not None]
        ).only("chat_id", "survey_resolved", "survey_rating", "satisfaction")
    }
    existing = {
        vector.document_id: vector
        for vector in DocumentVector.objects.filter(document__in=documents).only(
            "document_id", "model", "text_sha256"
        )
    }
    texts = {document.pk: document_embedding_text(document) for document in documents}
    to_encode = [
        document
        for document in documents
        if (vector := existing.get(document.pk)) is None
        or vector.model != model
        or vector.text_sha256 != _digest(texts[document.pk])
    ]
    encoded = texts_embed([texts[document.pk] for document in to_encode])
    vectors = {document.pk: encoded[row] for row, document in enumerate(to_encode)}
    with transaction.atomic():
        current = dict(
            SearchDocument.objects.filter(pk__in=[d.pk for d in documents])
            .select_for_update()
            .values_list("pk", "updated_at")
        )
        rows = []
        for document in documents:
            if document.pk not in current:
                continue  # deleted meanwhile (a destroyed chat): nothing to keep
            insight = insights.get(document.chat_id) if document.chat_id is not None else None
            quality = document_quality(document, insight)
            if document.pk in vectors:
                summary.embedded += 1
                rows.append(
                    DocumentVector(
                        document_id=document.pk,
                        vector=vector_to_bytes(vectors[document.pk]),
                        model=model,
                        text_sha256=_digest(texts[document.pk]),
                        quality=quality,
                        source_updated_at=document.updated_at,
                        embedded_at=now,
                    )
                )
            else:
                summary.unchanged += 1
                DocumentVector.objects.filter(document_id=document.pk).update(
                    quality=quality, source_updated_at=document.updated_at
                )
        DocumentVector.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["document"],
            update_fields=[
                "vector",
                "model",
                "text_sha256",
                "quality",
                "source_updated_at",
                "embedded_at",
            ],
        )
    return summary


def search_documents_embed(*, now: datetime, chunk_size: int = EMBED_CHUNK_SIZE) -> EmbedSummary:
    """Embeds every pending document, chunk by chunk, until a chunk comes back short."""
    model = embedding_model_name()
    summary = EmbedSummary()
    # Keyset paging: a document whose text moved while we worked stays pending for the next
    # run instead of being fetched again in this one.
    pending = search_documents_pending_embedding(model=model).only(
        "id", "kind", "chat_id", "title", "body", "updated_at"
    )

    def embed(documents: Sequence[SearchDocument]) -> None:
        done = _embed_chunk(list(documents), model=model, now=now)
        summary.embedded += done.embedded
        summary.unchanged += done.unchanged
        summary.chunks += 1

    # Not atomic: encoding (the slow part) runs outside any transaction; _embed_chunk commits.
    chunks_process(
        claim=lambda after: rows_after(pending, after, chunk_size),
        process=embed,
        chunk_size=chunk_size,
        atomic=False,
        label="embed_search_documents",
    )
    logger.info(
        "embedded %d search documents (%d unchanged) in %d chunks",
        summary.embedded,
        summary.unchanged,
        summary.chunks,
    )
    return summary
