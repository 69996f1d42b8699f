"""The one writer of django-simple-history rows for rows saved by a bulk path.

simple-history writes a history row per `save()`; COPY, bulk_create and bulk `update()` bypass
it, so every bulk path writes its history rows here: `history_write` for rows it has in hand
(the same rows `bulk_create_with_history` would write, without building model instances twice),
`history_copy` for rows it changed in the database (INSERT … SELECT from the rows as they are).
"""

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

from core.db.any_of import sql_any_of
from core.db.copy import rows_insert
from core.history import CHANGE_REASON_MAX_CHARS

UPDATE_BATCH_SIZE = 500


def history_model_of(model: type[models.Model]) -> Any:
    """The historical model simple-history attached to `model` (typed access in one place)."""
    return getattr(model, "history").model  # noqa: B009 - added at class creation by simple-history


def values_getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The attributes `names` of an object as a tuple: one C call per row (operator.attrgetter)
    instead of a getattr per field, for the bulk paths that turn rows into COPY rows."""
    getter = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda row: (getter(row),)  # attrgetter of one name gives the bare value
    return getter


def history_write(
    model: type[models.Model],
    instances: Iterable[Any],
    *,
    history_type: str = "+",
    reason: str | None = None,
    when: Any,
    user_id: int | None = None,
) -> None:
    """Writes django-simple-history rows for instances saved by a bulk path (COPY/bulk_create,
    bulk_update): `history_type` "+" for new rows, "~" for changed ones.

    The same rows `bulk_create_with_history` would write, without building model instances
    twice: every tracked field of the instance plus the history columns.
    """
    history_model = history_model_of(model)
    tracked = [
        field.attname
        for field in history_model._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    fields = [*tracked, "history_date", "history_type", "history_change_reason", "history_user_id"]
    tracked_of = values_getter(tracked)
    history = (when, history_type, reason, user_id)
    rows = ((*tracked_of(instance), *history) for instance in instances)
    rows_insert(history_model, fields, rows)


def rows_update_with_history(
    model: type[models.Model],
    instances: Sequence[Any],
    fields: Sequence[str],
    *,
    reason: str,
    when: Any,
    user_id: int | None = None,
) -> None:
    """`bulk_update` of `fields` of `instances`, and their "~" history rows, in the caller's
    transaction (what simple-history's bulk_update_with_history does, through the one writer)."""
    model._default_manager.bulk_update(instances, fields, batch_size=UPDATE_BATCH_SIZE)
    history_write(
        model,
        instances,
        history_type="~",
        reason=reason[:CHANGE_REASON_MAX_CHARS],
        when=when,
        user_id=user_id,
    )


def history_copy(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    when: Any,
    reason: str,
    user_id: int | None = None,
    history_type: str = "~",
) -> None:
    """Writes one history row per row of `model` among `ids`, copied from the row as it is now
    with INSERT … SELECT (set-based: the rows never come into Python). For bulk `update()`s,
    which simple-history does not see."""
    history_model = history_model_of(model)
    quoted = connection.ops.quote_name
    source_columns = {f.attname: f.column for f in model._meta.concrete_fields}
    extra = {
        "history_date": when,
        "history_change_reason": reason[:CHANGE_REASON_MAX_CHARS],
        "history_type": history_type,
        "history_user_id": user_id,
    }
    columns, expressions, params = [], [], []
    for column in history_model._meta.concrete_fields:
        if column.attname == "history_id":
            continue
        columns.append(quoted(str(column.column)))
        if column.attname in extra:
            expressions.append("%s")
            params.append(column.get_db_prep_save(extra[column.attname], connection))
        else:
            expressions.append(f"src.{quoted(str(source_columns[column.attname]))}")
    condition, id_params = sql_any_of(f"src.{quoted(str(model._meta.pk.column))}", list(ids))
    sql = (
        f"INSERT INTO {quoted(history_model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {quoted(model._meta.db_table)} src "
        f"WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *id_params])
