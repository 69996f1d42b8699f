"""The API's page-number pagination (SPEC §4.1: `{"count", "next", "previous", "results"}`),
with a count that stays cheap on large tables.

`count` is exact for every filtered list and for every list of fewer than
`ESTIMATED_COUNT_ABOVE` rows. An unfiltered list of a larger PostgreSQL table (the chat list,
the records list, the audit log with no parameter) answers instead the planner's row estimate of
the table (`pg_class.reltuples`, kept current by autovacuum and ANALYZE; typically within a few
percent of the truth), because an exact COUNT(*) there reads every row for every page: 136 ms of
a 160 ms chat-list request at 100,000 chats. `next` and the last page follow that count; a
client that needs the exact total filters (any filter makes the count exact) or asks OData's
`$count`. The chat and record list pages use the same count, shown as "about N".
"""

import time
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination

# Below this estimate an exact count is cheap enough (a few milliseconds) and always given.
ESTIMATED_COUNT_ABOVE = 10_000
# The estimate is itself approximate: each process reads it at most once a minute per table, so
# a small table's list costs its exact COUNT alone, not a catalogue lookup as well.
ESTIMATE_TTL_S = 60.0
_estimates: dict[tuple[str, str], tuple[float, int | None]] = {}


def _table_estimate(queryset: QuerySet[Any]) -> int | None:
    """The planner's row estimate of the queryset's table, None when unknown (never analysed)."""
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def _recent_estimate(queryset: QuerySet[Any]) -> int | None:
    key = (queryset.db, queryset.model._meta.db_table)
    now = time.monotonic()
    cached = _estimates.get(key)
    if cached is not None and now - cached[0] < ESTIMATE_TTL_S:
        return cached[1]
    estimate = _table_estimate(queryset)
    _estimates[key] = (now, estimate)
    return estimate


def _counts_whole_table(queryset: QuerySet[Any]) -> bool:
    """True when the queryset's rows are exactly its table's rows: no WHERE, no DISTINCT, no
    grouping, no union — joins of select_related do not change the row count."""
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and query.group_by is None
        and query.combinator is None
        and not query.is_sliced
    )


def cheap_count_of(object_list: Any) -> tuple[int, bool]:
    """The count of the module docstring, and whether it is the table's estimate."""
    if not isinstance(object_list, QuerySet):
        return len(object_list), False
    if connections[object_list.db].vendor == "postgresql" and _counts_whole_table(object_list):
        estimate = _recent_estimate(object_list)
        if estimate is not None and estimate >= ESTIMATED_COUNT_ABOVE:
            return estimate, True
    return object_list.count(), False


def cheap_count(object_list: Any) -> int:
    """The count of the module docstring: exact, or the table's estimate for an unfiltered list
    of a large PostgreSQL table."""
    return cheap_count_of(object_list)[0]


class CheapCountPaginator(Paginator):
    """A paginator whose count is cheap_count's; pages say "about" when `count_is_estimate`."""

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        count, self.count_is_estimate = cheap_count_of(self.object_list)
        return count


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CheapCountPaginator


class KnownCountPaginator(Paginator):
    """A paginator told its count by the caller (e.g. read from a table of counts kept with the
    rows), so paging a large list never counts it."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count
