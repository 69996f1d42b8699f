"""EXPLAIN ANALYZE (best of 3) of the batch page's counting queries before issue #19 (grouping
the items through records and chats) and after (the summary rows), on the newest batch of the
database bench/disposal_page.py seeded:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_h26b .venv/bin/python \
        bench/disposal_page_queries.py
"""

import re
from typing import Any

import _bootstrap

_bootstrap.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402
from django.db.models.functions import Coalesce, ExtractYear  # noqa: E402

from retention.models import (  # noqa: E402
    DisposalBatch,
    DisposalBatchSummary,
    DisposalItem,
    ItemStatus,
)
from retention.selectors import disposal_batches_list  # noqa: E402


def _plan(queryset: Any, *, count: bool = False) -> str:
    if not count:
        return str(queryset.explain(analyze=True))
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    batch = DisposalBatch.objects.order_by("-pk").first()
    if batch is None:
        raise SystemExit("no batch: run bench/disposal_page.py first")
    items = DisposalItem.objects.filter(batch=batch)
    rows = DisposalBatchSummary.objects.filter(batch=batch)
    pending = Q(status=ItemStatus.PENDING)
    queries: dict[str, tuple[Any, bool]] = {
        "summary GROUP BY (before)": (
            items.values("record__record_class__code", "record__chat__country")
            .annotate(
                year=ExtractYear("record__chat__started_at"),
                items=Count("pk"),
                pending=Count("pk", filter=pending),
            )
            .order_by("record__record_class__code", "record__chat__country", "year"),
            False,
        ),
        "status GROUP BY (before)": (items.values("status").annotate(n=Count("pk")), False),
        "paginator COUNT (before)": (items, True),
        "summary (after)": (
            rows.values("record_class__code", "country", "year")
            .annotate(total=Sum("items"), pending=Coalesce(Sum("items", filter=pending), 0))
            .filter(total__gt=0)
            .order_by("record_class__code", "country", "year"),
            False,
        ),
        "status counts (after)": (
            rows.order_by("status").values("status").annotate(n=Sum("items")).filter(n__gt=0),
            False,
        ),
        "batch with item_count (after)": (disposal_batches_list().filter(pk=batch.pk), False),
    }
    print(f"batch {batch.pk}: {items.count():,} items")
    for name, (queryset, count) in queries.items():
        best = min(
            float(m.group(1))
            for m in (
                re.search(r"Execution Time: ([\d.]+) ms", _plan(queryset, count=count))
                for _ in range(3)
            )
            if m
        )
        print(f"{name:32} best of 3: {best:8.2f} ms")


if __name__ == "__main__":
    main()
