"""The per-batch summary of disposal items (issue #19): DisposalBatchSummary counts a batch's items
by class, country, chat year and status, so the review page reads a few dozen rows instead of
grouping 400,000 items through records and chats.

The only writers of an item's status or group (every other module calls these):
- `summary_write`: after a batch's items are inserted (set-based, one INSERT … SELECT GROUP BY);
- `disposal_items_move`: pending items to another status (exclusion, send-back, withdrawal,
  execution outcomes: destroyed, anonymised, skipped as held or not due);
- `disposal_items_regroup`: a correction of a record's class or its chat's country.

Invariant, in every committed state: for each batch the summary rows equal
`GROUP BY group_class, group_country, group_year, status` over its items, and each item's group
equals its record's class, its chat's country and the year its chat started (TIME_ZONE). Every
write locks the items it changes first, then adjusts the summary with ONE upsert whose rows are in
key order, so concurrent workers of a batch neither deadlock nor lose an increment.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Field, Q
from django.db.models.expressions import Combinable
from django.db.models.functions import ExtractYear
from django.utils import timezone

from core.db import any_of, rows_insert_from_select
from retention.models import DisposalBatch, DisposalBatchSummary, DisposalItem, ItemStatus

# (batch id, record class id, country, year, status)
SummaryKey = tuple[int, int, str, int, str]
GROUP_FIELDS = ("batch", "group_class", "group_country", "group_year")


def chat_year(path: str) -> ExtractYear:
    """The year of a chat's start in TIME_ZONE, as the summary and its filter count it."""
    return ExtractYear(path, tzinfo=timezone.get_default_timezone())


def summary_write(batch: DisposalBatch) -> None:
    """The summary rows of a batch whose items were just inserted (none written before)."""
    rows_insert_from_select(
        DisposalBatchSummary,
        ["batch", "record_class", "country", "year", "status", "items"],
        DisposalItem.objects.filter(batch=batch)
        .order_by()
        .values(*GROUP_FIELDS, "status")
        .annotate(n=Count("pk"))
        .values_list(*GROUP_FIELDS, "status", "n"),
    )


def _column(name: str) -> str:
    model_field = DisposalBatchSummary._meta.get_field(name)
    assert isinstance(model_field, Field)  # noqa: S101 - concrete fields only
    return str(model_field.column)


def _summary_adjust(deltas: Mapping[SummaryKey, int]) -> None:
    """Adds each delta to its summary row (creating it), in one statement, rows in key order."""
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    table = connection.ops.quote_name(DisposalBatchSummary._meta.db_table)
    quoted = [
        connection.ops.quote_name(_column(name))
        for name in ("batch", "record_class", "country", "year", "status", "items")
    ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    items = quoted[-1]
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {values} "  # noqa: S608 - our names
        f"ON CONFLICT ({', '.join(quoted[:-1])}) "
        f"DO UPDATE SET {items} = {table}.{items} + EXCLUDED.{items}"
    )
    params: list[Any] = [value for key, n in rows for value in (*key, n)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@dataclass(frozen=True)
class ItemsMove:
    """Pending items (`items`: a condition on DisposalItem) to `status`, with `fields` set too
    (reason, review_at, processed_at: whatever the path records)."""

    items: Q | Combinable
    status: str
    fields: dict[str, Any] = field(default_factory=dict)


def disposal_items_move(moves: Sequence[ItemsMove]) -> dict[str, int]:
    """Moves the pending items each move names to its status, and the summary with them, inside
    the caller's transaction. Items that are no longer pending are left alone (a replay moves
    nothing). Returns how many items went to each status."""
    moved: dict[str, list[int]] = {}
    for move in moves:
        if move.status == ItemStatus.PENDING:
            raise ValueError("items move out of pending, never back")
        ids = list(
            DisposalItem.objects.filter(move.items, status=ItemStatus.PENDING)
            # The items only: a condition on their batch must not lock the batch row, which
            # reviewers lock before the items.
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        DisposalItem.objects.filter(any_of("pk", ids)).update(status=move.status, **move.fields)
        moved.setdefault(move.status, []).extend(ids)
    if not moved:
        return {}
    deltas: dict[SummaryKey, int] = defaultdict(int)
    every = [pk for ids in moved.values() for pk in ids]
    groups = (
        DisposalItem.objects.filter(any_of("pk", every))
        .order_by()
        .values(*GROUP_FIELDS, "status")
        .annotate(n=Count("pk"))
        .values_list(*GROUP_FIELDS, "status", "n")
    )
    for batch_id, class_id, country, year, status, n in groups:
        deltas[(batch_id, class_id, country, year, ItemStatus.PENDING.value)] -= n
        deltas[(batch_id, class_id, country, year, status)] += n
    _summary_adjust(deltas)
    return {status: len(ids) for status, ids in moved.items()}


def disposal_items_regroup(*, record_ids: Iterable[int] = (), chat_ids: Iterable[int] = ()) -> int:
    """After a correction of these records' class or their chats' country: moves their items
    (in every batch, as the summary counts every batch) to the summary row of their record's
    class and chat's country now. Returns how many items moved."""
    records, chats = list(record_ids), list(chat_ids)
    if records and chats:
        condition: Q | Combinable = any_of("record_id", records) | any_of("record__chat_id", chats)
    elif records:
        condition = any_of("record_id", records)
    elif chats:
        condition = any_of("record__chat_id", chats)
    else:
        return 0
    rows = list(
        DisposalItem.objects.filter(condition)
        .select_for_update(of=("self",))
        .order_by("pk")
        .annotate(
            now_class=F("record__record_class_id"),
            now_country=F("record__chat__country"),
            now_year=chat_year("record__chat__started_at"),
        )
        .values_list(
            "pk",
            *GROUP_FIELDS,
            "status",
            "now_class",
            "now_country",
            "now_year",
        )
    )
    deltas: dict[SummaryKey, int] = defaultdict(int)
    targets: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for pk, batch_id, class_id, country, year, status, now_class, now_country, now_year in rows:
        if (class_id, country, year) == (now_class, now_country, now_year):
            continue
        deltas[(batch_id, class_id, country, year, status)] -= 1
        deltas[(batch_id, now_class, now_country, now_year, status)] += 1
        targets[(now_class, now_country, now_year)].append(pk)
    for (class_id, country, year), ids in sorted(targets.items()):
        DisposalItem.objects.filter(any_of("pk", ids)).update(
            group_class_id=class_id, group_country=country, group_year=year
        )
    _summary_adjust(deltas)
    return sum(len(ids) for ids in targets.values())
