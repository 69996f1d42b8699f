"""Ranked full-text search, one SQL statement per vendor, against the index a search app's
migrations maintain (knowledgebase: migrations 0002 and 0003).

- PostgreSQL: `search_vector @@ (websearch_to_tsquery('english', q) || …('french', q))`, ranked
  by ts_rank on the narrow rank table with its GIN index; snippets with ts_headline, only for the
  page of results returned.
- SQLite: FTS5 MATCH on the quoted words (all must occur), ranked by bm25 with the same column
  weights (title > keywords > body); snippets with FTS5 snippet().

Only the index's own names and numbers are interpolated; user input always travels as a
parameter, and on SQLite every word is quoted, so it can never be FTS5 syntax.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from core.db.dialect import is_postgresql

# (" AND …" conditions, their parameters) for the row alias given ("r" or "d").
FilterSql = Callable[[str], tuple[str, list[Any]]]


@dataclass(frozen=True)
class FullTextIndex:
    documents_table: str
    rank_table: str  # PostgreSQL: the narrow table ranked on
    fts_table: str  # SQLite: the FTS5 table (rowid = document id)
    boosted_kind: str  # documents of this `kind` have their score multiplied by `boost`
    boost: float
    mark_start: str
    mark_end: str
    snippet_words: int


@dataclass(frozen=True)
class _Statements:
    candidates: str
    snippets: str


def _fts5_query(words: Sequence[str]) -> str:
    # Every word quoted: user input can never be FTS5 syntax (no column filters, no NEAR, no *).
    return " ".join(f'"{word}"' for word in words)


@functools.cache
def _postgres_statements(index: FullTextIndex) -> _Statements:
    query_cte = """
WITH q AS (
    -- French stems only widen the query when they differ from the English ones
    SELECT CASE WHEN en = fr THEN en ELSE en || fr END AS query
    FROM websearch_to_tsquery('english', %s) en, websearch_to_tsquery('french', %s) fr
)"""
    candidates = f"""{query_cte}, matches AS MATERIALIZED (
    -- ranked on the narrow table; documents are read for the page only
    SELECT r.document_id AS id, ts_rank(r.search_vector, q.query, 32)
           * CASE WHEN r.kind = '{index.boosted_kind}' THEN {index.boost} ELSE 1 END AS score
    FROM {index.rank_table} r, q
    WHERE r.search_vector @@ q.query {{filter}}
)
SELECT id, score, count(*) OVER () AS total FROM matches
ORDER BY score DESC, id DESC
LIMIT %s
"""  # noqa: S608
    snippets = f"""{query_cte}
SELECT d.id,
       ts_headline(CASE WHEN d.language LIKE 'fr%%' THEN 'french'::regconfig
                        ELSE 'english'::regconfig END,
                   d.body, q.query,
                   'StartSel="{index.mark_start}", StopSel="{index.mark_end}",
                    MaxWords={index.snippet_words},
                    MinWords=8, MaxFragments=2, FragmentDelimiter=" … "')
FROM {index.documents_table} d, q
WHERE d.id IN ({{ids}})
"""  # noqa: S608
    return _Statements(candidates, snippets)


@functools.cache
def _sqlite_statements(index: FullTextIndex) -> _Statements:
    fts = index.fts_table
    candidates = f"""
WITH m AS MATERIALIZED (
    SELECT rowid AS id, -bm25({fts}, 10.0, 4.0, 1.0) AS score
    FROM {fts} WHERE {fts} MATCH %s
)
SELECT m.id,
       m.score * CASE WHEN d.kind = '{index.boosted_kind}' THEN {index.boost} ELSE 1 END AS score,
       count(*) OVER () AS total
FROM m JOIN {index.documents_table} d ON d.id = m.id
WHERE 1 = 1 {{filter}}
ORDER BY score DESC, d.id DESC
LIMIT %s
"""  # noqa: S608
    # FTS5's auxiliary functions only run in the MATCH query itself.
    snippets = f"""
SELECT rowid,
       snippet({fts}, 2, '{index.mark_start}', '{index.mark_end}', ' … ', {index.snippet_words})
FROM {fts} WHERE {fts} MATCH %s AND rowid IN ({{ids}})
"""  # noqa: S608
    return _Statements(candidates, snippets)


def fulltext_candidates(
    index: FullTextIndex, *, query: str, words: Sequence[str], filter_sql: FilterSql, limit: int
) -> tuple[list[tuple[int, float]], int]:
    """(document id, score) best first, at most `limit`, and how many documents match in all.

    `query` is the user's text (PostgreSQL parses it with websearch_to_tsquery), `words` its
    words (SQLite matches them all). `filter_sql(alias)` gives the extra conditions on the row
    ranked: the rank table `r` on PostgreSQL, the document `d` on SQLite.
    """
    if is_postgresql():
        conditions, filter_params = filter_sql("r")
        sql = _postgres_statements(index).candidates.replace("{filter}", conditions)
        params: tuple[Any, ...] = (query, query, *filter_params, limit)
    else:
        fts_query = _fts5_query(words)
        if not fts_query:
            return [], 0
        conditions, filter_params = filter_sql("d")
        sql = _sqlite_statements(index).candidates.replace("{filter}", conditions)
        params = (fts_query, *filter_params, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(int(pk), float(score)) for pk, score, _total in rows], int(rows[0][2]) if rows else 0


def fulltext_snippets(
    index: FullTextIndex, *, query: str, words: Sequence[str], document_ids: list[int]
) -> dict[int, str]:
    """{document id: snippet} with matches between the index's marks (raw text, not HTML)."""
    if not document_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(document_ids))
    if is_postgresql():
        sql = _postgres_statements(index).snippets.replace("{ids}", placeholders)
        params: tuple[Any, ...] = (query, query, *document_ids)
    else:
        sql = _sqlite_statements(index).snippets.replace("{ids}", placeholders)
        params = (_fts5_query(words), *document_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): snippet for pk, snippet in cursor.fetchall()}
