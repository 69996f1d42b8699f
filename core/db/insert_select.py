"""Set-based writes that never bring the rows into Python: INSERT … SELECT, UPDATE from a map,
DELETE without per-row signals.

Disposal writes a pending item per proposed record (a batch can hold 100,000) and a tombstone
per destroyed record; reading those rows into model instances first cost more than the writes.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

from core.db.any_of import pg_bigint_array
from core.db.dialect import is_postgresql


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return _quoted(str(field.column))


def rows_insert_from_select(
    model: type[models.Model], fields: Sequence[str], select: models.QuerySet[Any]
) -> None:
    """INSERT INTO `model` (`fields`) SELECT …: `select` is a `values_list()` with one column
    per field, in the same order (constants as `Value(…, output_field=…)`). The caller owns
    the transaction."""
    sql, params = select.query.get_compiler(using=select.db).as_sql()
    columns = ", ".join(_column(model, name) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_quoted(model._meta.db_table)} ({columns}) {sql}",
            params,
        )


def column_update_from_map(
    model: type[models.Model], *, key: str, field: str, values: Mapping[int, str]
) -> None:
    """Sets `field` to `values[row.key]` for every row whose integer `key` is in `values`, in
    one statement. PostgreSQL takes the map as two array parameters (a VALUES list of 2,000
    placeholders cost more to bind than the update itself); elsewhere a CASE over the keys."""
    if not values:
        return
    table = _quoted(model._meta.db_table)
    key_column = _column(model, key)
    column = _column(model, field)
    keys = list(values)
    if is_postgresql():
        # Text values of an array literal are quoted; hex digests and codes need no escaping,
        # anything else gets its quotes and backslashes escaped.
        literal = ",".join(
            '"' + str(values[k]).replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys
        )
        sql = (
            f"UPDATE {table} SET {column} = v.value "  # noqa: S608 - our names
            "FROM unnest(%s::bigint[], %s::text[]) AS v (key, value) "
            f"WHERE {table}.{key_column} = v.key"
        )
        params: list[Any] = [pg_bigint_array(keys), "{" + literal + "}"]
    else:
        whens = " ".join(["WHEN %s THEN %s"] * len(keys))
        placeholders = ", ".join(["%s"] * len(keys))
        sql = (
            f"UPDATE {table} SET {column} = CASE {key_column} {whens} END "  # noqa: S608
            f"WHERE {key_column} IN ({placeholders})"
        )
        params = [v for k in keys for v in (k, values[k])] + keys
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rows_delete_set_based(queryset: models.QuerySet[Any]) -> None:
    """Deletes the rows of `queryset` with a few set-based statements, honouring each reverse
    relation's on_delete, without loading rows or sending per-row delete signals (simple-history's
    would write a "-" history row holding the very identity being destroyed). PROTECT and other
    relations are left to the database's foreign key, which then refuses the delete: the
    caller's transaction rolls back and fails closed."""
    model = queryset.model
    keys = queryset.values("pk")
    for relation in model._meta.related_objects:
        related = relation.related_model
        if not (isinstance(related, type) and issubclass(related, models.Model)):
            continue
        if not relation.field.concrete:
            continue
        rows = related._base_manager.filter(**{f"{relation.field.name}__in": keys})
        if relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{relation.field.name: None})
    queryset._raw_delete(queryset.db)
