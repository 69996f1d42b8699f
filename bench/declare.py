#!/usr/bin/env python
"""declare_records on one connection against two (DECLARE_WORKERS), side by side on the same
chats, in one run (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench_declare \\
        .venv/bin/python bench/declare.py [--chats 30000] [--rounds 2]

Seeding (not timed) imports --chats generated chats of 12 messages through the real import
path. Each timed run is the real records_declare over all of them; between runs the records,
their history, their audit events and the transcript locks are removed again (TRUNCATE and one
UPDATE, then VACUUM ANALYZE), so every run declares the same chats from the same state. Runs
alternate 1, 2, 1, 2 … so that a change of the machine's load hits both sides alike.
"""

import argparse
import itertools
import json
import statistics
import time
from datetime import UTC, datetime

import _bootstrap

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SEED_SLICE = 10_000


def _seed(count: int) -> None:
    from chats.hooks import chats_imported
    from chats.models import Chat
    from chats.samples import sample_chats
    from chats.services.import_stream import chats_import_lines

    if Chat.objects.count() >= count:
        return
    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)
    generated = sample_chats(count, messages_per_chat=12, source="bench-declare")
    while lines := [
        (json.dumps(chat) + "\n").encode() for chat in itertools.islice(generated, SEED_SLICE)
    ]:
        chats_import_lines(lines=lines, on_reject=lambda *_: None, workers=2)
    print(f"seeded {Chat.objects.count():,} chats", flush=True)


def _reset() -> None:
    from django.db import connection

    from records.declare import LOCK_REASON

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE records_record, records_historicalrecord CASCADE")
        cursor.execute("DELETE FROM audit_auditevent WHERE action = 'records.declared'")
        cursor.execute(
            "DELETE FROM chats_historicalchat WHERE history_change_reason = %s", [LOCK_REASON]
        )
        cursor.execute("UPDATE chats_chat SET locked_at = NULL WHERE locked_at IS NOT NULL")
    _bootstrap.vacuum_analyze("chats_chat", "chats_historicalchat", "audit_auditevent")


def _run(workers: int) -> tuple[float, float]:
    from records.services import records_declare

    _reset()
    started, cpu = time.perf_counter(), time.process_time()
    summary = records_declare(now=NOW, workers=workers)
    elapsed = time.perf_counter() - started
    rate = summary.declared / elapsed
    cpu_us = (time.process_time() - cpu) / max(summary.declared, 1) * 1e6
    print(
        f"  {workers} connection(s): {summary.declared:,} records in {elapsed:.1f}s = "
        f"{rate:,.0f} chats/s ({cpu_us:.0f} µs of this process's CPU per chat)",
        flush=True,
    )
    return rate, cpu_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    _bootstrap.setup()
    from django.core.management import call_command

    from records.file_plan import file_plan_seed

    _bootstrap.banner(f"declare_records: {args.chats:,} chats, 1 connection against 2")
    file_plan_seed()
    call_command("seed_taxonomy", verbosity=0)
    _seed(args.chats)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print("warm-up run (not counted):")
    _run(2)
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for workers in (1, 2):
            rates[workers].append(_run(workers)[0])
    one, two = statistics.fmean(rates[1]), statistics.fmean(rates[2])
    print(f"\n{'connections':12} {'chats/s':>10}  target")
    print(f"{'1':12} {one:>10,.0f}  >= 2,000")
    print(f"{'2':12} {two:>10,.0f}  >= 2,000")
    print(f"2 / 1 = {two / one:.2f}x")


if __name__ == "__main__":
    main()
