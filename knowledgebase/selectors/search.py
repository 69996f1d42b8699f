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

from django.db import connection
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from knowledgebase.models import DocumentKind, SearchDocument

TABLE = SearchDocument._meta.db_table
RANK_TABLE = "knowledgebase_searchrank"  # PostgreSQL only: see migration 0003
FTS_TABLE = "knowledgebase_searchfts"
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
DEFAULT_LIMIT = 20
MAX_QUERY_WORDS = 12
# A published article is a vetted answer: it outranks a chat that matches as well.
ARTICLE_BOOST = 1.5
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchFilters:
    category: str = ""
    keyword: str = ""
    country: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None
    record_class: str = ""
    kind: str = ""

    def is_empty(self) -> bool:
        return not any(
            (
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
    return documents


def _snippet_html(raw: str) -> SafeString:
    text = escape(" ".join((raw or "").split()))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 - escaped above


def query_words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:MAX_QUERY_WORDS]


def _fts5_query(query: str) -> str:
    # Every word quoted: user input can never be FTS5 syntax (no column filters, no NEAR, no *).
    return " ".join(f'"{word}"' for word in query_words(query))


# Only module constants are interpolated; user input always travels as a parameter.
POSTGRES_SQL = f"""
WITH q AS (
    -- French stems only widen the query when they differ from the English ones
    SELECT CASE WHEN en = fr THEN en ELSE en || fr END AS query
    FROM websearch_to_tsquery('english', %s) en, websearch_to_tsquery('french', %s) fr
), matches AS MATERIALIZED (
    -- ranked on the narrow table (migration 0003); documents are joined for the page only
    SELECT r.document_id AS id, ts_rank(r.search_vector, q.query, 32)
           * CASE WHEN r.kind = 'article' THEN {ARTICLE_BOOST} ELSE 1 END AS score
    FROM {RANK_TABLE} r, q
    WHERE r.search_vector @@ q.query {{filter}}
), ranked AS (
    SELECT id, score, count(*) OVER () AS total FROM matches
    ORDER BY score DESC, id DESC
    LIMIT %s OFFSET %s
)
SELECT r.total, r.score, d.kind, d.chat_id, d.article_id, d.chat_external_id, d.title,
       d.occurred_at, d.country,
       ts_headline(CASE WHEN d.language LIKE 'fr%%' THEN 'french'::regconfig
                        ELSE 'english'::regconfig END,
                   d.body, q.query,
                   'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords={SNIPPET_WORDS},
                    MinWords=8, MaxFragments=2, FragmentDelimiter=" … "')
FROM ranked r JOIN {TABLE} d ON d.id = r.id, q
ORDER BY r.score DESC, d.id DESC
"""  # noqa: S608

# FTS5's auxiliary functions only run in the MATCH query itself: hence the materialised CTE.
SQLITE_SQL = f"""
WITH m AS MATERIALIZED (
    SELECT rowid AS id, -bm25({FTS_TABLE}, 10.0, 4.0, 1.0) AS score,
           snippet({FTS_TABLE}, 2, '{MARK_START}', '{MARK_END}', ' … ', {SNIPPET_WORDS}) AS snip
    FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s
)
SELECT count(*) OVER () AS total,
       m.score * CASE WHEN d.kind = 'article' THEN {ARTICLE_BOOST} ELSE 1 END AS score,
       d.kind, d.chat_id, d.article_id, d.chat_external_id,
       d.title, d.occurred_at, d.country, m.snip
FROM m JOIN {TABLE} d ON d.id = m.id
WHERE 1 = 1 {{filter}}
ORDER BY score DESC, d.id DESC
LIMIT %s OFFSET %s
"""  # noqa: S608


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
    if filters.record_class:
        sub_sql, sub_params = (
            SearchDocument.objects.filter(
                kind=DocumentKind.CHAT, chat__record__record_class__code=filters.record_class
            )
            .values("id")
            .query.sql_with_params()
        )
        identifier = "d.id" if narrow == "d" else f"{narrow}.document_id"
        conditions.append(f"{identifier} IN ({sub_sql})")
        params.extend(sub_params)
    return "".join(f" AND {condition}" for condition in conditions), params


def _rows(query: str, filters: SearchFilters, limit: int, offset: int) -> list[tuple[Any, ...]]:
    postgres = connection.vendor == "postgresql"
    filter_sql, filter_params = _filter_sql(filters, narrow="r" if postgres else "d")
    if postgres:
        sql = POSTGRES_SQL.replace("{filter}", filter_sql)
        params: tuple[Any, ...] = (query, query, *filter_params, limit, offset)
    else:
        fts_query = _fts5_query(query)
        if not fts_query:
            return []
        sql = SQLITE_SQL.replace("{filter}", filter_sql)
        params = (fts_query, *filter_params, limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    from django.db.models.fields import DateTimeField

    # SQLite returns text from a raw cursor; let Django's converter parse it as the ORM would.
    return DateTimeField().to_python(value)


def kb_search(
    *, query: str, filters: SearchFilters | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> SearchPage:
    """Best first. Without query words, the filtered documents newest first (browsing)."""
    filters = filters or SearchFilters()
    if not query_words(query):
        if filters.is_empty():
            return SearchPage(hits=[], count=0)
        return _browse(filters, limit, offset)
    rows = _rows(query, filters, limit, offset)
    hits = []
    for (
        _total,
        score,
        kind,
        chat_id,
        article_id,
        external_id,
        title,
        occurred_at,
        country,
        snip,
    ) in rows:
        hits.append(
            SearchHit(
                type=kind,
                id=chat_id if kind == DocumentKind.CHAT else article_id,
                chat_external_id=external_id or "",
                title=title,
                snippet=_snippet_html(snip),
                score=round(float(score), 4),
                occurred_at=_to_datetime(occurred_at),
                country=country,
            )
        )
    return SearchPage(hits=hits, count=int(rows[0][0]) if rows else 0)


def _browse(filters: SearchFilters, limit: int, offset: int) -> SearchPage:
    documents = _filtered_documents(filters)
    page = documents.order_by("-occurred_at", "-pk").only(
        "kind",
        "chat_id",
        "article_id",
        "chat_external_id",
        "title",
        "body",
        "occurred_at",
        "country",
    )[offset : offset + limit]
    hits = [
        SearchHit(
            type=doc.kind,
            id=doc.chat_id if doc.kind == DocumentKind.CHAT else doc.article_id,  # type: ignore[arg-type]
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
