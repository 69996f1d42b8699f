"""Data of bench/load.py: N sample chats (source "loadbench") through the real import path, made
records, indexed for search and proposed for disposal; reused when already there.

Two shortcuts, on bench data only, both for seeding time (neither changes what a request reads):
- the redaction layer is filled by copying each synthetic text as it is (`redaction_version` the
  current detector's): redacting 100,000 chats with Presidio takes hours and is
  bench/redaction_throughput.py's subject. The API reads and shows the redacted layer exactly as
  after real redaction (same columns, same sizes);
- the knowledge-base analysis (keywords, sentiment, the search index) runs on the first
  ANALYSED_CHATS chats only: spaCy over a million messages took more than an hour on this shared
  machine. The other chats have no keywords or sentiment; their extras cost the same queries.
"""

import io
import json
import time
from datetime import UTC, datetime

SOURCE = "loadbench"
NOW = datetime(2026, 11, 23, tzinfo=UTC)
JOBS = ("declare_records", "rollup_trends", "build_disposal_batches")
ANALYSED_CHATS = 5000
# The audit log of a busy installation: every view of original text, export, job… is an event.
AUDIT_EVENTS = 20_000
AUDIT_CHUNK = 1000
ANALYSIS_CHUNK = 500


def _import(count: int, per_chat: int) -> None:
    from chats.hooks import chats_imported
    from chats.samples import sample_chats
    from chats.services.import_pool import import_workers_default
    from chats.services.import_stream import chats_import_lines

    # As bench/scale.py: the import alone; what its receivers do is run below as jobs.
    for receiver in chats_imported.receivers:
        chats_imported.disconnect(receiver)
    lines = (
        (json.dumps(chat) + "\n").encode()
        for chat in sample_chats(count, messages_per_chat=per_chat, source=SOURCE, seed=19)
    )
    started = time.perf_counter()
    summary = chats_import_lines(
        lines=lines, on_reject=lambda *_: None, workers=import_workers_default()
    )
    print(
        f"  import: {summary.imported:,} chats, {summary.messages:,} messages "
        f"in {time.perf_counter() - started:.0f} s"
    )


def _copy_redaction_layer() -> None:
    """The bench shortcut of the module docstring, in set-based SQL (PostgreSQL)."""
    from django.db import connection

    from redaction.detection import DETECTOR_VERSION

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chats_message m SET text_redacted = m.text FROM chats_chat c "
            "WHERE m.chat_id = c.id AND c.source = %s AND c.redacted_at IS NULL",
            [SOURCE],
        )
        cursor.execute(
            "UPDATE chats_survey s SET comment_redacted = s.comment, "
            "answers_redacted = s.answers FROM chats_chat c "
            "WHERE s.chat_id = c.id AND c.source = %s AND c.redacted_at IS NULL",
            [SOURCE],
        )
        cursor.execute(
            "UPDATE chats_chat SET redacted_at = now(), redaction_version = %s, "
            "tags_redacted = tags WHERE source = %s AND redacted_at IS NULL",
            [DETECTOR_VERSION, SOURCE],
        )
        cursor.execute("VACUUM (ANALYZE) chats_chat, chats_message, chats_survey")


def _analyse_some() -> None:
    """The second shortcut of the module docstring: the analysis job's own chunk step, on the
    lowest pending chat ids until ANALYSED_CHATS chats have an insight."""
    from knowledgebase.models import ChatInsight
    from knowledgebase.services.analysis import _analyse_chunk, chats_pending_analysis

    started = time.perf_counter()
    while (missing := ANALYSED_CHATS - ChatInsight.objects.count()) > 0:
        ids = list(
            chats_pending_analysis()
            .order_by("pk")
            .values_list("pk", flat=True)[: min(missing, ANALYSIS_CHUNK)]
        )
        if not ids:
            break
        _analyse_chunk(ids, now=NOW)
    print(f"  analysis of {ANALYSED_CHATS:,} chats: {time.perf_counter() - started:.0f} s")


def _audit_events() -> None:
    """Up to AUDIT_EVENTS events through the real chained service, a transaction per chunk."""
    from django.db import transaction

    from audit.models import AuditEvent
    from audit.services import audit_event_record

    started = time.perf_counter()
    while (missing := AUDIT_EVENTS - AuditEvent.objects.count()) > 0:
        with transaction.atomic():
            for number in range(min(missing, AUDIT_CHUNK)):
                audit_event_record(
                    actor=None,
                    action="chat.original_viewed",
                    target_type="chats.chat",
                    target_id=number + 1,
                    data={"via": "load-bench"},
                )
    print(f"  audit events: {time.perf_counter() - started:.0f} s")


def seed(count: int, per_chat: int) -> None:
    """Makes sure `count` loadbench chats exist, redacted (see above), declared, analysed and
    proposed for disposal; each step is idempotent, so an interrupted seeding resumes."""
    from django.core.management import call_command
    from django.db import connection

    from chats.models import Chat
    from core.jobs import job_run

    if connection.vendor != "postgresql":
        raise SystemExit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    started = time.perf_counter()
    call_command("seed_file_plan", verbosity=0)
    call_command("seed_taxonomy", verbosity=0, stdout=io.StringIO())
    present = Chat.objects.filter(source=SOURCE).count()
    if present < count:
        _import(count, per_chat)
    else:
        print(f"  reusing {present:,} {SOURCE} chats")
    _copy_redaction_layer()
    _analyse_some()
    _audit_events()
    for job in JOBS:
        clock = time.perf_counter()
        result = job_run(name=job, now=NOW)
        print(f"  {job}: {time.perf_counter() - clock:.0f} s {result.counts}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f} s")
