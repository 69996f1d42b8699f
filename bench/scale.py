#!/usr/bin/env python
"""Scale: load N messages (default 1,000,000: 83,334 chats x 12) into PostgreSQL through the
real import path, then measure redaction with 1 and 2 Celery workers, search p95, the p95 of
every main page, and disposal; print one table against the SPEC targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrecords_bench_scale \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/scale.py \\
        [--messages 1000000] [--per-chat 12] [--redact-chats 6000] [--requests 50]
        [--disposal-workers N]

- import: chats.services.import_stream.chats_import_lines, chats_imported receivers
  disconnected (chats/s);
- redaction: a fixed subset of --redact-chats chats, reset before each run, enqueued as
  `redaction.redact_chats` tasks of 50 chats to 1, then 2, `celery -A config worker -c 1`
  processes on REDIS_URL (chats/s and the 2:1 ratio);
- search: bench/search.py's query set through GET /api/v1/kb/search/ (after extract_keywords
  indexed the redacted subset);
- pages: Django's test Client, one user holding every role, --requests GETs per page;
- disposal: declare_records, build_disposal_batches, approve, execute_disposals on every due
  record with DISPOSAL_WORKERS connections (or --disposal-workers; records/s, build time
  included), last because it destroys data.
The database is flushed first.
"""

import argparse
import os
import time
from datetime import UTC, datetime
from typing import Any

# Before _bootstrap, whose own default is the shared chatrecords_bench database.
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrecords_bench_scale")

import _bootstrap
from _workers import celery_workers, machine_cpu_scaling

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ["REDACT_ON_IMPORT"] = "false"

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


IMPORT_SLICE = 50_000  # chats generated and imported at a time: 10M messages need no 2 GB list


def _import(chats: int, per_chat: int) -> float:
    """Imports `chats` in slices of IMPORT_SLICE (the same chats as one stream: one generator);
    only the import itself is timed, not the generation of its lines."""
    import itertools
    import json

    from chats.hooks import chats_imported
    from chats.samples import sample_chats
    from chats.services.import_pool import import_workers_default
    from chats.services.import_stream import chats_import_lines

    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)
    generated = sample_chats(chats, messages_per_chat=per_chat, source="scale")
    imported = messages = 0
    elapsed = 0.0
    while True:
        lines = [
            (json.dumps(chat) + "\n").encode() for chat in itertools.islice(generated, IMPORT_SLICE)
        ]
        if not lines:
            break
        started = time.perf_counter()
        summary = chats_import_lines(
            lines=lines, on_reject=lambda *_: None, workers=import_workers_default()
        )
        elapsed += time.perf_counter() - started
        imported, messages = imported + summary.imported, messages + summary.messages
        print(f"  imported {imported:,} chats ({elapsed:.0f}s)", flush=True)
    print(f"import: {imported:,} chats, {messages:,} messages in {elapsed:.1f}s")
    return imported / elapsed


def _redaction_copied(chat_ids: list[int]) -> None:
    """--skip-redaction: the subset's redacted layer is a copy of its text (a bench shortcut
    for the jobs after redaction, which read only that layer; nothing is detected)."""
    from django.db import connection

    first, last = chat_ids[0], chat_ids[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chats_message SET text_redacted = text WHERE chat_id BETWEEN %s AND %s",
            [first, last],
        )
        cursor.execute(
            "UPDATE chats_survey SET comment_redacted = comment WHERE chat_id BETWEEN %s AND %s",
            [first, last],
        )
        cursor.execute(
            "UPDATE chats_chat SET redacted_at = %s, redaction_version = 'bench-copy' "
            "WHERE id BETWEEN %s AND %s",
            [NOW, first, last],
        )
    print(f"redaction skipped: {len(chat_ids):,} chats' redacted layer copied from the text")


def _disk(phase: str) -> None:
    """The database's size after `phase` (what a 10M run needs on disk)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  disk after {phase}: {cursor.fetchone()[0]}", flush=True)


def _job(name: str, chats: int) -> float:
    """Runs job `name` once; its rate counts the `chats` it had to go through."""
    from core.jobs import job_run

    started = time.perf_counter()
    job_run(name=name, now=NOW)
    elapsed = time.perf_counter() - started
    print(f"{name}: {chats:,} chats in {elapsed:.1f}s = {chats / elapsed:,.0f} chats/s", flush=True)
    _disk(name)
    return chats / elapsed


def _redact(count: int, chat_ids: list[int]) -> float:
    """`chat_ids`: consecutive chats in id order (no other chat id between the first and last)."""
    from chats.models import Chat, Message, Survey
    from redaction.models import RedactionLog
    from redaction.tasks import redact_chats_task

    RedactionLog.objects.filter(chat_id__in=chat_ids).delete()
    Message.objects.filter(chat_id__in=chat_ids).update(text_redacted=None)
    Survey.objects.filter(chat_id__in=chat_ids).update(comment_redacted=None)
    Chat.objects.filter(pk__in=chat_ids).update(redacted_at=None, redaction_version="")
    _bootstrap.vacuum_analyze(*_bootstrap.REDACTION_LAYER_TABLES)
    queue = f"scale-{os.getpid()}-{count}"
    with celery_workers(count, queue=queue, prefix="scale"):
        started = time.monotonic()
        for start in range(0, len(chat_ids), 50):
            redact_chats_task.apply_async(
                kwargs={"chat_ids": chat_ids[start : start + 50]}, queue=queue
            )
        # The subset is the first chats by id: a range is as exact as the id list, and polling
        # with 6,000 parameters four times a second took a sixth of a core from the workers.
        pending = Chat.objects.filter(
            pk__range=(chat_ids[0], chat_ids[-1]), redacted_at__isnull=True
        )
        while pending.exists():
            time.sleep(0.25)
        elapsed = time.monotonic() - started
    rate = len(chat_ids) / elapsed
    print(f"redaction, {count} worker(s): {len(chat_ids)} chats in {elapsed:.1f}s = {rate:.1f}/s")
    return rate


def _search(requests: int, client: Any) -> float:
    import search

    timings = []
    for query, params in search.queries(requests + 10)[:10]:
        client.get("/api/v1/kb/search/", {"q": query, **params})
    for query, params in search.queries(requests):
        started = time.perf_counter()
        response = client.get("/api/v1/kb/search/", {"q": query, **params})
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"search failed: {response.status_code}")
    return p95(timings)


def _pages(requests: int, client: Any) -> dict[str, float]:
    from django.urls import reverse

    from chats.models import Chat
    from records.models import Record
    from retention.models import DisposalBatch

    chat = Chat.objects.filter(redacted_at__isnull=False).order_by("pk").first()
    record = Record.objects.order_by("pk").first()
    batch = DisposalBatch.objects.order_by("pk").first()
    urls = {
        "chat list": reverse("chat-list"),
        "chat detail": reverse("chat-detail", args=[chat.pk]) if chat else "",
        "record list": reverse("record-list"),
        "record detail": reverse("record-detail", args=[record.pk]) if record else "",
        "disposal batch list": reverse("disposal-batch-list"),
        "disposal batch detail": reverse("disposal-batch-detail", args=[batch.pk]) if batch else "",
        "holds": reverse("legal-hold-list"),
        "kb search page": reverse("kb-search") + "?q=refund",
        "trends": reverse("kb-trends"),
        "agent performance": reverse("kb-agents"),
        "qa queue": reverse("qa-queue"),
        "dsr list": reverse("subject-request-list"),
        "audit log": reverse("audit-event-list"),
    }
    result = {}
    for name, url in urls.items():
        if not url:
            continue
        timings = []
        for n in range(requests + 2):
            started = time.perf_counter()
            response = client.get(url)
            if n >= 2:  # two warm-up requests
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name} failed: {response.status_code}")
        result[name] = p95(timings)
    return result


def _dispose(build_seconds: float, workers: int | None) -> tuple[float, int]:
    """Approves the batches build_disposal_batches proposed and executes them; the rate
    counts the build time too."""
    from django.contrib.auth.models import User

    from retention.models import DisposalBatch
    from retention.services.disposal.execution import (
        disposal_batches_execute,
        disposal_workers_default,
    )
    from retention.services.disposal.proposal import disposal_batch_approve

    approver, _ = User.objects.get_or_create(username="scale-approver")
    started = time.perf_counter()
    for batch in DisposalBatch.objects.filter(state="proposed"):
        disposal_batch_approve(batch=batch, approver=approver)
    summary = disposal_batches_execute(now=NOW, workers=workers)
    elapsed = time.perf_counter() - started + build_seconds
    destroyed = summary.counts.get("destroyed", 0)
    print(
        f"disposal, {workers or disposal_workers_default()} worker(s): {destroyed:,} records "
        f"in {elapsed:.1f}s incl. build ({summary.counts})"
    )
    return destroyed / elapsed, destroyed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--per-chat", type=int, default=12)
    # Long enough that worker start-up and the last task's tail do not decide the 2:1 ratio.
    parser.add_argument("--redact-chats", type=int, default=6000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--search-queries", type=int, default=200)
    parser.add_argument(
        "--skip-redaction",
        action="store_true",
        help="no Celery redaction runs: the subset's redacted layer is copied from its text",
    )
    parser.add_argument(
        "--disposal-workers", type=int, default=None, help="default: the DISPOSAL_WORKERS setting"
    )
    args = parser.parse_args()
    _bootstrap.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from chats.models import Chat
    from core.jobs import job_run
    from core.roles import Role
    from records.file_plan import file_plan_seed

    chats = args.messages // args.per_chat
    _bootstrap.banner(f"scale: {chats:,} chats x {args.per_chat} messages")
    call_command("flush", interactive=False, verbosity=0)
    file_plan_seed()
    call_command("seed_taxonomy", verbosity=0)
    import_rate = _import(chats, args.per_chat)
    _disk("import")
    jobs: dict[str, float] = {}
    jobs["declare_records"] = _job("declare_records", chats)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    subset = list(Chat.objects.order_by("pk").values_list("pk", flat=True)[: args.redact_chats])
    redaction_rows: list[tuple[str, str, str, bool | None]] = []
    if args.skip_redaction:
        _redaction_copied(subset)
    else:
        cpu_scaling = machine_cpu_scaling()
        print(f"machine: 2 CPU-bound processes / 1 = {cpu_scaling:.2f}x")
        one = _redact(1, subset)
        two = _redact(2, subset)
        redaction_rows = [
            ("redaction, 1 worker", f"{one:,.1f} chats/s", "", None),
            ("redaction, 2 workers", f"{two:,.1f} chats/s", "", None),
            ("2 workers / 1", f"{two / one:.2f}x", ">= 1.8x", two / one >= 1.8),
            ("  machine's own 2 / 1 (pure CPU)", f"{cpu_scaling:.2f}x", "(reference)", None),
        ]
    jobs["extract_keywords"] = _job("extract_keywords", len(subset))
    jobs["rollup_trends"] = _job("rollup_trends", len(subset))
    jobs["sample_qa_reviews"] = _job("sample_qa_reviews", chats)

    user, _ = User.objects.get_or_create(username="scale-reader")
    user.groups.add(*Group.objects.filter(name__in=[role.value for role in Role]))
    api = APIClient()
    api.force_authenticate(user)
    search_p95 = _search(args.search_queries, api)
    clock = time.perf_counter()
    job_run(name="build_disposal_batches", now=NOW)  # built first: the batch pages show them
    build_seconds = time.perf_counter() - clock
    pages = Client()
    pages.force_login(user)
    page_p95 = _pages(args.requests, pages)
    dispose_rate, destroyed = _dispose(build_seconds, args.disposal_workers)

    rows = [
        ("import", f"{import_rate:,.0f} chats/s", ">= 1,500 chats/s", import_rate >= 1500),
        ("disposal", f"{dispose_rate:,.0f} records/s", ">= 2,000 records/s", dispose_rate >= 2000),
        *[
            (name, f"{rate:,.0f} chats/s", ">= 2,000 chats/s", rate >= 2000)
            for name, rate in jobs.items()
        ],
        *redaction_rows,
        ("search p95", f"{search_p95:.1f} ms", "<= 50 ms", search_p95 <= 50),
        *[
            (f"page p95: {name}", f"{ms:.1f} ms", "<= 150 ms", ms <= 150)
            for name, ms in page_p95.items()
        ],
    ]
    print(f"\n{'measure':36} {'value':>16}  {'target':>18}  result")
    for name, value, target, ok in rows:
        print(
            f"{name:36} {value:>16}  {target:>18}  {'' if ok is None else 'PASS' if ok else 'FAIL'}"
        )
    print(
        f"({destroyed:,} records destroyed; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
