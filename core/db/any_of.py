"""Membership of a column in a list of ids or strings, sent as ONE parameter on PostgreSQL.

Disposal and destruction work on chunks of a thousand ids in a couple of dozen statements; with
`__in`, every id is a separate placeholder that Django processes and psycopg interpolates one by
one, which cost more than the statements themselves. On PostgreSQL the condition is
`= ANY(%s::bigint[])` with the list as one array literal; elsewhere it is a plain IN list.

`any_of` is an expression, not a registered lookup, so a caller imports what it uses:
`Record.objects.filter(any_of("pk", ids))`.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Expression, F

from core.db.dialect import is_postgresql


class _OneOf(Expression):
    """`field` is one of `values`: the condition is `condition`'s, per database."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str | F, values: list[Any]) -> None:
        super().__init__()
        self.lhs: Any = F(field) if isinstance(field, str) else field
        self.values = values

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.lhs,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if not self.values:
            # As `__in=[]` does: Django then answers without sending the query at all.
            raise EmptyResultSet
        lhs, lhs_params = compiler.compile(self.lhs)
        condition, params = self.condition(lhs, connection.vendor)
        return condition, (*lhs_params, *params)

    def condition(self, column: str, vendor: str) -> tuple[str, list[Any]]:
        raise NotImplementedError


class AnyOf(_OneOf):
    def __init__(self, field: str | F, values: Iterable[int]) -> None:
        super().__init__(field, [int(value) for value in values])

    def condition(self, column: str, vendor: str) -> tuple[str, list[Any]]:
        return sql_any_of(column, self.values, vendor=vendor)


class AnyOfTexts(_OneOf):
    """A text column in a list of strings: `= ANY(%s::text[])` with one array literal on
    PostgreSQL (an import's look-ups of a thousand chats, customers, agents by external id,
    where Django's IN list cost more than the indexed query), a plain IN list elsewhere."""

    def __init__(self, field: str | F, values: Iterable[str]) -> None:
        super().__init__(field, [str(value) for value in values])

    def condition(self, column: str, vendor: str) -> tuple[str, list[Any]]:
        if is_postgresql(vendor):
            return f"{column} = ANY(%s::text[])", [pg_text_array(self.values)]
        return _sql_in_list(column, self.values)


def any_of(field: str | F, values: Iterable[int]) -> AnyOf:
    """`field` is one of `values` (an empty list matches nothing)."""
    return AnyOf(field, values)


def any_of_texts(field: str | F, values: Iterable[str]) -> AnyOfTexts:
    """`field` is one of the strings `values` (an empty list matches nothing)."""
    return AnyOfTexts(field, values)


def pg_text_array(values: Iterable[str]) -> str:
    """An array literal of strings, each double-quoted with its backslashes and double quotes
    escaped (the array input syntax), so any text, commas and braces included, is one element."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def pg_bigint_array(values: Iterable[int]) -> str:
    """An array literal of integers: psycopg adapts a Python list element by element in Python
    (about 2 ms for a thousand ids, more than many of the statements that use it)."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def sql_any_of(
    column: str, values: list[int], *, vendor: str | None = None
) -> tuple[str, list[Any]]:
    """The same condition for hand-written SQL (`column` is already quoted)."""
    if not values:
        return "1 = 0", []
    if is_postgresql(vendor):
        return f"{column} = ANY(%s::bigint[])", [pg_bigint_array(values)]
    return _sql_in_list(column, values)


def _sql_in_list(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """`column IN (…)` with a placeholder per value: the condition where arrays are not."""
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
