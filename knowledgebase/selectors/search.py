"""Ranked full-text search over published articles and redacted chats (R-KB-3).

One SQL statement per vendor, against the index that migrations 0002 and 0003 maintain:
- PostgreSQL: `search_vector @@ (websearch_to_tsquery('english', q) || …('french', q))`, ranked by
  ts_rank (title A > keywords B > body C, normalised to 0–1; ts_rank rather than the cover-density
  ts_rank_cd, which costs twice as much on multi-word queries that match thousands of chats)
  on the narrow rank table with its
  GIN index; documents are joined, and snippets made with ts_headline, only for the page of
  results returned.
- SQLite: FTS5 MATCH on the quoted words (all must occur), ranked by bm25 with the same column
  weights; snippets with FTS5 snippet().
Published articles get ARTICLE_BOOST.
Filters (category, keyword, country, dates, record class, type) are plain conditions on the
ranked row, or `id IN (…)` conditions for document columns, shared by both vendors. Scores are
comparable within one search, not across vendors. Snippets are HTML: escaped text with <mark>
around matches.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from core.db import any_of
from core.db.fulltext import FullTextIndex, fulltext_candidates, fulltext_snippets
from knowledgebase.models import DocumentKind, SearchDocument
from knowledgebase.selectors.semantic import ConceptSearch
from knowledgebase.text import is_courtesy

TABLE = SearchDocument._meta.db_table
RANK_TABLE = "knowledgebase_searchrank"  # PostgreSQL only: see migration 0003
FTS_TABLE = "knowledgebase_searchfts"
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
DEFAULT_LIMIT = 20
MAX_QUERY_WORDS = 12
# A published article is a vetted answer: it outranks a chat that matches as well.
ARTICLE_BOOST = 1.5
# Hybrid ranking (issue #17): the best full-text and concept candidates, merged.
LEXICAL_CANDIDATES = 200
SEMANTIC_CANDIDATES = 200
# With filters, more neighbours are taken so that enough survive them.
FILTERED_SEMANTIC_WIDENING = 5
MAX_SEMANTIC_QUERY_CHARS = 500
# Cosine similarities of the sentence encoder depend on the query's length (a two-word query
# scores 0.2-0.3 against the chats about it, a sentence 0.5), so the cut is relative to the best
# neighbour: below RELATIVE_FLOOR of it (and never below MIN) a document is about something else.
# Tuned on bench/search_quality.py's query set (see the README's concept-search figures).
SEMANTIC_MIN_SIMILARITY = 0.12
SEMANTIC_RELATIVE_FLOOR = 0.5
LEXICAL_WEIGHT = 0.4
# The usefulness prior scales relevance from QUALITY_FLOOR (an abandoned chat) to 1 (an
# article); a document not embedded yet counts as an answered chat.
QUALITY_FLOOR = 0.5
DEFAULT_QUALITY = 0.6
# What a hit shows (not the keywords and categories, read only by filters).
_HIT_COLUMNS = (
    "kind",
    "chat_id",
    "article_id",
    "chat_external_id",
    "title",
    "body",
    "occurred_at",
    "country",
)
_WORD = re.compile(r"\w+", re.UNICODE)
FULLTEXT_INDEX = FullTextIndex(
    documents_table=TABLE,
    rank_table=RANK_TABLE,
    fts_table=FTS_TABLE,
    boosted_kind=DocumentKind.ARTICLE,
    boost=ARTICLE_BOOST,
    mark_start=MARK_START,
    mark_end=MARK_END,
    snippet_words=SNIPPET_WORDS,
)


@dataclass(frozen=True)
class SearchFilters:
    category: str = ""
    keyword: str = ""
    country: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None
    record_class: str = ""
    kind: str = ""
    topic: str = ""  # a Topic's slug: chats placed in that topic (articles have none)

    def is_empty(self) -> bool:
        return not any(
            (
                self.topic,
                self.category,
                self.keyword,
                self.country,
                self.date_from,
                self.date_to,
                self.record_class,
                self.kind,
            )
        )


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: int  # the chat's id for chats, the article's id for articles
    chat_external_id: str
    title: str
    snippet: SafeString
    score: float
    occurred_at: datetime
    country: str


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    count: int


def _filtered_documents(filters: SearchFilters) -> QuerySet[SearchDocument]:
    documents = SearchDocument.objects.all()
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.category:
        documents = documents.filter(categories__contains=f"|{filters.category}|")
    if filters.keyword:
        documents = documents.filter(keywords__contains=f"|{filters.keyword.strip().lower()}|")
    if filters.country:
        documents = documents.filter(country=filters.country.upper())
    if filters.date_from:
        documents = documents.filter(occurred_at__gte=filters.date_from)
    if filters.date_to:
        documents = documents.filter(occurred_at__lt=filters.date_to)
    if filters.record_class:
        documents = documents.filter(
            kind=DocumentKind.CHAT, chat__record__record_class__code=filters.record_class
        )
    if filters.topic:
        documents = documents.filter(
            kind=DocumentKind.CHAT, chat__kb_topic__topic__slug=filters.topic
        )
    return documents


def _item_id(document: SearchDocument) -> int:
    """The chat's id for a chat document, the article's for an article (a check constraint
    gives each document exactly one of them)."""
    item_id = document.chat_id if document.kind == DocumentKind.CHAT else document.article_id
    assert item_id is not None  # noqa: S101 - the constraint above
    return item_id


def _snippet_html(raw: str) -> SafeString:
    text = escape(" ".join((raw or "").split()))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 - escaped above


def query_words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:MAX_QUERY_WORDS]


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter_sql(filters: SearchFilters, *, narrow: str = "d") -> tuple[str, list[Any]]:
    """The filters as plain conditions (an IN (subquery) makes the planner hash every filtered id
    before ranking). Kind, country and date are on the row being ranked (`narrow`: the document
    `d`, or the rank row `r` on PostgreSQL); categories, keywords and record class are document
    columns, reached through the document's id when ranking on `r`. Values travel as parameters.
    """
    conditions: list[str] = []
    params: list[Any] = []
    document_conditions: list[str] = []
    document_params: list[Any] = []
    if filters.kind:
        conditions.append(f"{narrow}.kind = %s")
        params.append(filters.kind)
    for column, value in (("categories", filters.category), ("keywords", filters.keyword)):
        if value:
            document_conditions.append(f"d.{column} LIKE %s ESCAPE '\\'")
            document_params.append(f"%|{_like_escaped(value.strip().lower())}|%")
    if filters.country:
        conditions.append(f"{narrow}.country = %s")
        params.append(filters.country.upper())
    if filters.date_from:
        conditions.append(f"{narrow}.occurred_at >= %s")
        params.append(filters.date_from)
    if filters.date_to:
        conditions.append(f"{narrow}.occurred_at < %s")
        params.append(filters.date_to)
    if document_conditions:
        if narrow == "d":
            conditions.extend(document_conditions)
        else:
            conditions.append(
                f"{narrow}.document_id IN (SELECT d.id FROM {TABLE} d "  # noqa: S608 - our names
                f"WHERE {' AND '.join(document_conditions)})"
            )
        params.extend(document_params)
    subqueries = []
    if filters.record_class:
        subqueries.append({"chat__record__record_class__code": filters.record_class})
    if filters.topic:
        subqueries.append({"chat__kb_topic__topic__slug": filters.topic})
    for lookup in subqueries:
        sub_sql, sub_params = (
            SearchDocument.objects.filter(kind=DocumentKind.CHAT, **lookup)
            .values("id")
            .query.sql_with_params()
        )
        identifier = "d.id" if narrow == "d" else f"{narrow}.document_id"
        conditions.append(f"{identifier} IN ({sub_sql})")
        params.extend(sub_params)
    return "".join(f" AND {condition}" for condition in conditions), params


def _lexical_candidates(
    query: str, filters: SearchFilters, limit: int
) -> tuple[list[tuple[int, float]], int]:
    """(document id, full-text score) best first, and how many documents match in all."""
    return fulltext_candidates(
        FULLTEXT_INDEX,
        query=query,
        words=query_words(query),
        filter_sql=lambda narrow: _filter_sql(filters, narrow=narrow),
        limit=limit,
    )


def _lexical_snippets(query: str, document_ids: list[int]) -> dict[int, str]:
    return fulltext_snippets(
        FULLTEXT_INDEX, query=query, words=query_words(query), document_ids=document_ids
    )


def _filtered_ids(document_ids: list[int], filters: SearchFilters) -> set[int]:
    """Which of the semantic neighbours pass the filters (one indexed query)."""
    if filters.is_empty() or not document_ids:
        return set(document_ids)
    return set(
        _filtered_documents(filters).filter(any_of("pk", document_ids)).values_list("pk", flat=True)
    )


def answer_passage(body: str) -> str:
    """A chat's request and the agent's first real answer, skipping greetings and thanks."""
    request = answer = ""
    for line in body.splitlines():
        speaker, _, text = line.partition(": ")
        if not text or is_courtesy(text):
            continue
        if not request and speaker == "Customer":
            request = text
        elif request and speaker == "Agent":
            answer = text
            break
    passage = " … ".join(part for part in (request, answer) if part) or body
    words = passage.split()
    shortened = " ".join(words[: SNIPPET_WORDS * 2])
    return shortened + (" …" if len(words) > SNIPPET_WORDS * 2 else "")


@dataclass(frozen=True)
class _Ranked:
    document_id: int
    score: float
    lexical: bool


@dataclass(frozen=True)
class _Ranking:
    scored: list[tuple[float, int]]  # (score, document id), best first
    lexical: set[int]  # the documents found by full text (they get its snippets)
    count: int

    def page(self, offset: int, limit: int) -> list[_Ranked]:
        return [
            _Ranked(document_id=pk, score=score, lexical=pk in self.lexical)
            for score, pk in self.scored[offset : offset + limit]
        ]


def _hybrid_ranked(query: str, filters: SearchFilters) -> _Ranking:
    """Full-text and concept candidates merged into one ranking (see the module docstring)."""
    widen = 1 if filters.is_empty() else FILTERED_SEMANTIC_WIDENING
    concepts = (
        ConceptSearch(
            query=" ".join(query.split())[:MAX_SEMANTIC_QUERY_CHARS],
            limit=SEMANTIC_CANDIDATES * widen,
            min_similarity=SEMANTIC_MIN_SIMILARITY,
        )
        if settings.KB_SEARCH_SEMANTIC
        else None
    )
    lexical, lexical_total = _lexical_candidates(query, filters, LEXICAL_CANDIDATES)
    lexical_scores = dict(lexical)
    top_lexical = max(lexical_scores.values(), default=0.0) or 1.0
    neighbours = concepts.neighbours(also=list(lexical_scores)) if concepts else {}
    top_similarity = max((n.similarity for n in neighbours.values()), default=0.0)
    floor = max(SEMANTIC_MIN_SIMILARITY, top_similarity * SEMANTIC_RELATIVE_FLOOR)
    semantic_only = [
        pk
        for pk, neighbour in neighbours.items()
        if pk not in lexical_scores and neighbour.similarity >= floor
    ]
    allowed = _filtered_ids(semantic_only, filters) | set(lexical_scores)
    # The score of each candidate (see the constants above), folded into as few operations as
    # possible: a search merges about 400 candidates and this loop ran 3 ms as written out.
    lexical_weight = LEXICAL_WEIGHT / top_lexical
    semantic_weight = (1 - LEXICAL_WEIGHT) / max(top_similarity - floor, 1e-6)
    quality_share = 1 - QUALITY_FLOOR
    scored: list[tuple[float, int]] = []
    for pk in allowed:
        neighbour = neighbours.get(pk)
        if neighbour is None:
            semantic_part, quality = 0.0, DEFAULT_QUALITY
        else:
            above = neighbour.similarity - floor
            semantic_part = above * semantic_weight if above > 0 else 0.0
            quality = neighbour.quality
        relevance = lexical_weight * lexical_scores.get(pk, 0.0) + semantic_part
        scored.append((relevance * (QUALITY_FLOOR + quality_share * quality), pk))
    scored.sort(reverse=True)  # best first; among equals, the newer document (higher id)
    return _Ranking(scored, set(lexical_scores), lexical_total + len(allowed) - len(lexical_scores))


def kb_search(
    *, query: str, filters: SearchFilters | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> SearchPage:
    """Best first. Without query words, the filtered documents newest first (browsing)."""
    filters = filters or SearchFilters()
    if not query_words(query):
        if filters.is_empty():
            return SearchPage(hits=[], count=0)
        return _browse(filters, limit, offset)
    ranking = _hybrid_ranked(query, filters)
    count = ranking.count
    page = ranking.page(offset, limit)
    documents = {
        document.pk: document
        for document in SearchDocument.objects.filter(
            any_of("pk", [item.document_id for item in page])
        ).only(*_HIT_COLUMNS)
    }
    snippets = _lexical_snippets(
        query, [item.document_id for item in page if item.lexical and item.document_id in documents]
    )
    hits = []
    for item in page:
        document = documents.get(item.document_id)
        if document is None:
            continue  # deleted since its vector was loaded (a destroyed chat)
        snippet = snippets.get(item.document_id) or answer_passage(document.body)
        hits.append(
            SearchHit(
                type=document.kind,
                id=_item_id(document),
                chat_external_id=document.chat_external_id or "",
                title=document.title,
                snippet=_snippet_html(snippet),
                score=round(item.score, 4),
                occurred_at=document.occurred_at,
                country=document.country,
            )
        )
    return SearchPage(hits=hits, count=count)


def _browse(filters: SearchFilters, limit: int, offset: int) -> SearchPage:
    documents = _filtered_documents(filters)
    page = documents.order_by("-occurred_at", "-pk").only(*_HIT_COLUMNS)[offset : offset + limit]
    hits = [
        SearchHit(
            type=doc.kind,
            id=_item_id(doc),
            chat_external_id=doc.chat_external_id,
            title=doc.title,
            snippet=_snippet_html(doc.body[:200]),
            score=0.0,
            occurred_at=doc.occurred_at,
            country=doc.country,
        )
        for doc in page
    ]
    return SearchPage(hits=hits, count=documents.count())
