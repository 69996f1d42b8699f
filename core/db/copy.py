"""Fast set-based inserts of plain rows (no ids returned, no model instances).

PostgreSQL gets COPY, several times faster than multi-row INSERT for the millions of message
rows an import can carry; other backends get Django's bulk_create, which is correct everywhere.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import connection, models, transaction

from core.db.dialect import is_postgresql


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Inserts `rows` (values in the order of `fields`) into `model`'s table.

    Values must already be what the column stores (aware datetimes, str, numbers; dict/list for
    JSON fields). The caller owns the transaction.
    """
    if is_postgresql():
        _copy_rows(model, fields, rows)
        return
    model._default_manager.bulk_create(
        [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=1000
    )


def _copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    from psycopg import sql

    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    json_positions = [i for i, f in enumerate(model_fields) if isinstance(f, models.JSONField)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(str(f.column)) for f in model_fields),  # type: ignore[union-attr,misc]
    )
    connection.ensure_connection()
    # wrap_database_errors: COPY bypasses Django's cursor wrapper, and callers rely on Django's
    # IntegrityError (e.g. an importer racing another one for the same customer).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        if not json_positions:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            row = list(row)
            for position in json_positions:
                row[position] = json_text(row[position])
            copy.write_row(row)


# The JSON text of the values nearly every row of an import carries (no attachments, no tags).
_JSON_TEXT_OF_EMPTY: dict[type, str] = {list: "[]", dict: "{}"}


def json_text(value: Any) -> str:
    """A JSON column's value as COPY text: the JSON document as a plain string, which COPY's
    text format sends exactly as psycopg's Jsonb adapter would (None is JSON null, as there),
    without an adapter object and a Python-level dump per row. orjson: several times faster
    than json.dumps."""
    if not value and type(value) in _JSON_TEXT_OF_EMPTY:
        return _JSON_TEXT_OF_EMPTY[type(value)]
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def ids_allocate(model: type[models.Model], count: int) -> list[int] | None:
    """Reserves `count` primary keys from the table's sequence (PostgreSQL), so rows can be
    COPYed with their ids and children written without reading the ids back. None elsewhere."""
    if not is_postgresql() or count == 0:
        return None
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


# Fewer new rows than this leave the statistics to autovacuum's own analyze.
ANALYZE_AFTER_ROWS = 5000


def tables_analyze_after_bulk(models_written: Sequence[type[models.Model]], rows: int) -> None:
    """Refreshes PostgreSQL's statistics of tables a job has just filled with `rows` rows.

    Until autovacuum's analyze comes round (a minute or more), the planner still believes such
    a table nearly empty and picks plans that read every new row: the QA queue and a disposal
    batch's page took 200 ms instead of 20 ms. ANALYZE samples a bounded number of rows, so it
    costs tens of milliseconds. Runs after the caller's transaction commits, so it sees the rows.
    """
    if not is_postgresql() or rows < ANALYZE_AFTER_ROWS:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_written)

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")  # the table names are ours

    transaction.on_commit(analyze)


# Fewer rewritten rows than this leave dead row versions to autovacuum.
VACUUM_AFTER_ROWS = 50_000


def tables_vacuum_after_bulk(models_rewritten: Sequence[type[models.Model]], rows: int) -> None:
    """VACUUM (ANALYZE) of tables a job has just updated or deleted `rows` rows of, when that is
    many, so that their pages are marked all-visible again.

    An UPDATE leaves the old version of every row behind and clears its page's all-visible bit;
    until a vacuum comes, an index-only scan must read the table as well. Declaring a 10 M
    archive locks all 833,333 chats and disposal rewrites every destroyed one: right after, the
    chats table held 1.46 M dead versions, autovacuum was still busy with the messages table,
    and the agent performance page's index-only scan became a heap scan of 16,400 pages (247
    instead of 75 ms, docs/scaling.md §4). VACUUM cannot run in a transaction, so a caller
    inside one (a test, a job step within a larger transaction) leaves it to autovacuum;
    SKIP_LOCKED lets a second worker finishing at the same moment pass instead of waiting.
    """
    if not is_postgresql() or rows < VACUUM_AFTER_ROWS or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_rewritten)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {tables}")  # the table names are ours
