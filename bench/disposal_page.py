"""The disposal batch review page with one big batch (issue #19): p50/p95 of GET /disposal/<pk>/
(unfiltered, and narrowed to one summary row) and the page's slowest queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_h26b .venv/bin/python \
        bench/disposal_page.py [--n 150000] [--requests 30] [--no-seed]

Seeding (not timed, set-based bulk inserts; skipped with --no-seed or when the batch is there):
N closed US chats, their start spread over 2015–2018 (four summary rows), and their declared,
due records; then build_disposal_batches proposes them as one batch through the real path
(timed and printed: it writes the items and the summary). No messages, customers or history:
the page reads the items, their records and chats, and a page of 100 rows.

The script is independent of the code version, so the same database can be timed by an older
tree (copy this file into its bench/ and run it there with --no-seed).
"""

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import _bootstrap

_bootstrap.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from chats.models import Chat  # noqa: E402
from core.roles import Role  # noqa: E402
from records.file_plan import file_plan_seed  # noqa: E402
from records.models import Record, RecordClass, RecordStatus, RetentionSchedule  # noqa: E402
from retention.models import DisposalBatch, DisposalItem  # noqa: E402

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SEED_BATCH = 10_000
SOURCE = "bench-page"


def _seed(n: int) -> None:
    record_class = RecordClass.objects.get(code="CS-CHAT")
    schedule = RetentionSchedule.objects.get(record_class=record_class, jurisdiction="US")
    for start in range(0, n, SEED_BATCH):
        size = min(SEED_BATCH, n - start)
        with transaction.atomic():
            ends = [
                datetime(2015 + (start + i) % 4, 3, 1, 12, tzinfo=UTC) + timedelta(minutes=i)
                for i in range(size)
            ]
            chats = Chat.objects.bulk_create(
                Chat(
                    source=SOURCE,
                    external_id=f"p{start + i}",
                    started_at=ended - timedelta(minutes=15),
                    ended_at=ended,
                    country="US",
                    country_source="source_system",
                    country_confidence=1.0,
                    redacted_at=ended,
                    content_sha256="0" * 64,
                )
                for i, ended in enumerate(ends)
            )
            Record.objects.bulk_create(
                Record(
                    chat=chat,
                    record_class=record_class,
                    declared_at=chat.ended_at,
                    schedule=schedule,
                    jurisdiction="US",
                    trigger="chat_ended",
                    trigger_at=chat.ended_at,
                    disposition_due=datetime(2023, 3, 1, tzinfo=UTC),
                    pii_purge_due=chat.ended_at + timedelta(days=365),
                    status=RecordStatus.ACTIVE,
                )
                for chat in chats
            )


def _timings(client: Client, url: str, requests: int) -> list[float]:
    timings = []
    for n in range(requests + 2):
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        if n >= 2:  # two warm-up requests
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    _bootstrap.banner(f"disposal batch page, one batch of {args.n:,} items")
    batch = DisposalBatch.objects.order_by("-pk").first()
    if not args.no_seed and batch is None:
        file_plan_seed()
        clock = time.monotonic()
        _seed(args.n)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {args.n:,} chats and records in {time.monotonic() - clock:.1f}s")
        from retention.services.disposal.proposal import disposal_batches_build

        clock = time.monotonic()
        (batch,) = disposal_batches_build(now=NOW)
        print(f"build_disposal_batches (items + summary): {time.monotonic() - clock:.1f}s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if batch is None:
        raise SystemExit("no batch: run without --no-seed first")
    items = DisposalItem.objects.filter(batch=batch).count()
    print(f"batch {batch.pk}: {items:,} items")
    user, _ = User.objects.get_or_create(username="bench-page-reader")
    user.groups.add(*Group.objects.filter(name__in=[role.value for role in Role]))
    client = Client()
    client.force_login(user)
    urls = {
        "unfiltered": f"/disposal/{batch.pk}/",
        "one summary row": f"/disposal/{batch.pk}/?record_class=CS-CHAT&country=US&year=2016",
        "page 50, by due": f"/disposal/{batch.pk}/?sort=due&page=50",
    }
    for name, url in urls.items():
        timings = sorted(_timings(client, url, args.requests))
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        print(
            f"{name:18} p50 {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms  "
            f"({args.requests} GETs)"
        )
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        total = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"{'':18} {len(queries)} queries, {total:.1f} ms in the database; slowest:")
        for query in slowest:
            print(f"{'':20} {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")


if __name__ == "__main__":
    main()
