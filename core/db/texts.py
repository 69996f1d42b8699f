"""Setting one text column of many rows by primary key in one statement."""

from django.db import connection, models

from core.db.dialect import is_postgresql


def column_texts_set(model: type[models.Model], column: str, rows: list[tuple[int, str]]) -> None:
    """Sets `column` of each (pk, text) row of `model`'s table; the caller owns the transaction.

    Django's bulk_update builds a CASE expression per row, which costs more than the detection
    at this volume; PostgreSQL joins against two arrays instead, SQLite runs a prepared UPDATE.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                f"UPDATE {table} AS t SET {column} = v.txt "  # noqa: S608 - names are ours
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS txt) AS v "
                "WHERE t.id = v.id",
                [[pk for pk, _ in rows], [text for _, text in rows]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names are ours
                [(text, pk) for pk, text in rows],
            )
