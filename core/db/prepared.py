"""A query over a list of ids whose SQL is compiled once per database, then re-run with new ids.

A page's extras (a chat's record, its holds, its insights, its keywords) are small `values_list`
queries whose statements take a fraction of a millisecond on PostgreSQL, while building and
compiling them through the ORM costs about 0.4 ms each (issue #19). On PostgreSQL `any_of` sends
the ids as ONE array parameter, so the SQL text does not depend on the ids: `IdsQuery` compiles
the ORM query once per database alias, finds that parameter, and afterwards executes the same
statement with the new array, reading the rows as the ORM would have. Where that does not hold —
SQLite (an IN list of placeholders), a column whose value the ORM converts after reading (JSON,
a database-specific converter), a query whose parameters do not hold the array exactly once — it
runs the ORM query itself every time. The caller writes the query once, in the ORM, as always.

Only for queries whose SQL depends on nothing but the ids: no `now()` computed in Python, no
per-request setting (the builder is called once, with placeholder ids).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

from core.db.any_of import pg_bigint_array
from core.db.dialect import is_postgresql

# Stands for the ids while compiling: a list no page asks for, so its array literal is found
# among the parameters (and nowhere else) without doubt.
_PLACEHOLDER_IDS = [-7_331_900_113, -7_331_900_114]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    position: int  # of the ids' array among params


class IdsQuery:
    """`IdsQuery(lambda ids: Model.objects.filter(any_of("fk_id", ids)).values_list(...))`;
    `.rows(ids)` is `list(builder(ids))`, compiled once per database where it can be."""

    def __init__(self, builder: Callable[[list[int]], QuerySet[Any]]) -> None:
        self._builder = builder
        # alias -> the compiled statement, or None where the ORM query runs every time
        self._compiled: dict[str, _Compiled | None] = {}

    def rows(self, ids: list[int]) -> list[tuple[Any, ...]]:
        if not ids:
            return []
        model = self._model()
        alias = router.db_for_read(model)
        if alias not in self._compiled:
            self._compiled[alias] = self._compile(alias)
        compiled = self._compiled[alias]
        if compiled is None:
            return list(self._builder(ids).using(alias))
        params = list(compiled.params)
        params[compiled.position] = pg_bigint_array(ids)
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return list(cursor.fetchall())

    def _model(self) -> Any:
        model = getattr(self, "_model_class", None)
        if model is None:
            model = self._model_class = self._builder(_PLACEHOLDER_IDS).model
        return model

    def _compile(self, alias: str) -> _Compiled | None:
        connection = connections[alias]
        if not is_postgresql(connection.vendor):
            return None
        queryset = self._builder(_PLACEHOLDER_IDS).using(alias)
        if queryset._iterable_class is not ValuesListIterable:
            return None  # model instances, dicts or flat values: the ORM builds those
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Converters change values after the fetch (JSON, a backend's own): the ORM reads those.
        if compiler.get_converters([column for column, _, _ in compiler.select]):
            return None
        literal = pg_bigint_array(_PLACEHOLDER_IDS)
        positions = [number for number, value in enumerate(params) if value == literal]
        if len(positions) != 1:
            return None
        return _Compiled(sql=sql, params=tuple(params), position=positions[0])
