"""Disposal throughput: build, approve and execute a batch of N due records on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench .venv/bin/python \
        bench/disposal.py [--n 100000] [--chunk 1000]

Seeding (not timed) bulk-inserts N closed US chats of 2018 (customer with two identity history
rows, 4 messages with both text layers, a survey) and their declared records. The timed part is
exactly what production runs: disposal_batches_build, disposal_batch_approve and
disposal_batches_execute — holds re-checked per chunk, messages deleted, survey blanked,
customers and their history deleted, chat history unlinked, tombstones, record history rows and
the certificate. Prints records/s for the whole and per phase.
"""

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta

import _bootstrap

_bootstrap.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from chats.models import Chat, Customer, Message, Survey  # noqa: E402
from records.file_plan import file_plan_seed  # noqa: E402
from records.models import Record, RecordClass, RecordStatus, RetentionSchedule  # noqa: E402
from retention.models import DisposalCertificate, Tombstone  # noqa: E402
from retention.services.disposal.execution import disposal_batches_execute  # noqa: E402
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build  # noqa: E402

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SEED_BATCH = 5000


def _seed(n: int, source: str) -> None:
    record_class = RecordClass.objects.get(code="CS-CHAT")
    schedule = RetentionSchedule.objects.get(record_class=record_class, jurisdiction="US")
    ended = datetime(2018, 3, 1, 12, tzinfo=UTC)
    for start in range(0, n, SEED_BATCH):
        size = min(SEED_BATCH, n - start)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    source=source,
                    external_id=f"c{start + i}",
                    name=f"Person {start + i}",
                    email=f"p{start + i}@example.com",
                    phone="+1 212 555 0100",
                )
                for i in range(size)
            )
            Customer.history.bulk_history_create(customers)
            Customer.history.bulk_history_create(customers, update=True)
            chats = Chat.objects.bulk_create(
                Chat(
                    source=source,
                    external_id=f"b{start + i}",
                    started_at=ended - timedelta(minutes=15),
                    ended_at=ended,
                    country="US",
                    country_source="source_system",
                    country_confidence=1.0,
                    customer=customer,
                    redacted_at=ended,
                    content_sha256="0" * 64,
                )
                for i, customer in enumerate(customers)
            )
            Chat.history.bulk_history_create(chats)
            Message.objects.bulk_create(
                (
                    Message(
                        chat=chat,
                        position=p,
                        sender="customer" if p % 2 == 0 else "agent",
                        sent_at=ended,
                        text=f"original text {p} of {chat.external_id}",
                        text_redacted=f"redacted text {p}",
                    )
                    for chat in chats
                    for p in range(4)
                ),
                batch_size=SEED_BATCH,
            )
            Survey.objects.bulk_create(
                Survey(
                    chat=chat,
                    rating=4,
                    resolved=True,
                    comment="great help",
                    comment_redacted="great help",
                )
                for chat in chats
            )
            records = Record.objects.bulk_create(
                Record(
                    chat=chat,
                    record_class=record_class,
                    declared_at=ended,
                    schedule=schedule,
                    jurisdiction="US",
                    trigger="chat_ended",
                    trigger_at=ended,
                    disposition_due=ended.replace(year=2023),
                    pii_purge_due=ended + timedelta(days=365),
                    status=RecordStatus.ACTIVE,
                )
                for chat in chats
            )
            Record.history.bulk_history_create(records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args()
    _bootstrap.banner(f"disposal of {args.n:,} records, chunk {args.chunk}")
    file_plan_seed()
    source = f"bench-{uuid.uuid4().hex[:8]}"
    clock = time.monotonic()
    _seed(args.n, source)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give
    print(f"seeded in {time.monotonic() - clock:.1f}s (not timed)")
    approver, _ = User.objects.get_or_create(username="bench-approver")

    started = time.monotonic()
    batches = disposal_batches_build(now=NOW)
    built = time.monotonic()
    for batch in batches:
        disposal_batch_approve(batch=batch, approver=approver)
    approved = time.monotonic()
    summary = disposal_batches_execute(now=NOW, chunk_size=args.chunk)
    done = time.monotonic()

    ours = Chat.objects.filter(source=source)
    destroyed = Tombstone.objects.filter(source=source).count()
    checks = {
        f"{destroyed} of {args.n} destroyed {summary.counts}": destroyed == args.n,
        "messages left": not Message.objects.filter(chat__in=ours).exists(),
        "customers left": not Customer.objects.filter(source=source).exists(),
        "customer history left": not Customer.history.filter(source=source).exists(),
        "certificate missing": DisposalCertificate.objects.filter(batch__in=batches).count()
        == len(batches),
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit("bench check failed: " + "; ".join(failed))
    total = done - started
    print(f"build   {built - started:7.2f}s  {args.n / (built - started):10,.0f} records/s")
    print(f"approve {approved - built:7.2f}s")
    print(f"execute {done - approved:7.2f}s  {args.n / (done - approved):10,.0f} records/s")
    print(f"total   {total:7.2f}s  {args.n / total:10,.0f} records/s  (target >= 2,000)")


if __name__ == "__main__":
    main()
