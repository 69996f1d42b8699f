"""Sortable tables without JavaScript (issue #18): a header cell is a link to `?sort=key`
(ascending) or `?sort=-key` (descending) and carries `aria-sort` while it sorts the table.

Each table names the columns it may be sorted by (`TableSort`), so a query string can never
order rows by a field the page does not show (`?sort=customer__email` would otherwise tell,
row by row, whose address comes first). An unknown key falls back to the table's default
order. Every order ends with the primary key, so that equal values keep a stable order from
page to page."""

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

SORT_PARAM = "sort"


@dataclass(frozen=True)
class SortColumn:
    key: str  # what the query string says
    fields: tuple[str, ...]  # the ORM fields it orders by, in that order


@dataclass(frozen=True)
class SortHeader:
    label: str
    url: str  # the query string that sorts by this column (the next direction)
    aria_sort: str  # "ascending", "descending" or "" when the column does not sort the table
    arrow: str


@dataclass(frozen=True)
class SortState:
    key: str
    descending: bool
    order_by: tuple[str, ...]
    query: QueryDict  # the request's query without `sort` and `page`

    def header(self, key: str, label: str) -> SortHeader:
        query = self.query.copy()
        sorted_here = key == self.key
        query[SORT_PARAM] = f"-{key}" if sorted_here and not self.descending else key
        if not sorted_here:
            return SortHeader(label, f"?{query.urlencode()}", "", "")
        direction = "descending" if self.descending else "ascending"
        arrow = "▼" if self.descending else "▲"
        return SortHeader(label, f"?{query.urlencode()}", direction, arrow)


@dataclass(frozen=True)
class TableSort:
    columns: tuple[SortColumn, ...]
    default: str  # e.g. "-started": the order when the query string names none (or a wrong one)
    tie_breaker: str = "pk"

    def state(self, params: QueryDict) -> SortState:
        by_key = {column.key: column for column in self.columns}
        wanted = params.get(SORT_PARAM, "") or self.default
        descending = wanted.startswith("-")
        key = wanted.lstrip("-")
        if key not in by_key:
            descending, key = self.default.startswith("-"), self.default.lstrip("-")
        sign = "-" if descending else ""
        order_by = (
            *(f"{sign}{field}" for field in by_key[key].fields),
            f"{sign}{self.tie_breaker}",
        )
        query = params.copy()
        for name in (SORT_PARAM, "page"):
            query.pop(name, None)
        return SortState(key=key, descending=descending, order_by=order_by, query=query)


def sort_headers(state: SortState, labels: dict[str, str]) -> dict[str, Any]:
    """{key: SortHeader} for a template:
    `{% include "core/_th_sort.html" with h=sort.started %}`."""
    return {key: state.header(key, label) for key, label in labels.items()}
