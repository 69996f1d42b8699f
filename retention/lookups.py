"""`field__any_of=[ids]`: membership in a list of ids as ONE parameter on PostgreSQL.

Disposal works on chunks of a thousand ids in a couple of dozen statements; with `__in`, every
id is a separate placeholder that Django processes and psycopg interpolates one by one, which
cost more than the statements themselves. On PostgreSQL this lookup sends `= ANY(%s::bigint[])`
with the list as one array literal; elsewhere it is a plain IN list.
"""

from typing import Any

from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(map(int, self.rhs))
        if not values:
            return "1 = 0", list(lhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, pg_bigint_array(values)]
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


def pg_bigint_array(values: list[int]) -> str:
    """An array literal of integers: psycopg adapts a Python list element by element in Python
    (about 2 ms for a thousand ids, more than many of the statements that use it)."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def any_of_register() -> None:
    """Registered on integer and foreign-key fields (called from RetentionConfig.ready)."""
    for field_class in (models.IntegerField, models.AutoField, models.ForeignKey):
        field_class.register_lookup(AnyOf)


def sql_any_of(column: str, values: list[int], vendor: str) -> tuple[str, list[Any]]:
    """The same condition for hand-written SQL."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [pg_bigint_array(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
