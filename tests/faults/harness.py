"""Fault injection for the destructive jobs: SIGKILL `manage.py run_job NAME` at random moments,
re-run it to completion, then check that nothing was lost, half-done or done twice.

Shared by tests/faults (a few kills per job, in `make test-postgres`) and bench/faults.py (20
kills per job, a table). Everything here runs in the calling process against the Django
database it is configured for, and starts the jobs as subprocesses on that same PostgreSQL
database, so each job commits and is killed exactly as in production.

The seeded data: sample chats imported through chats_import_lines (post-import hooks off),
records declared by records_declare. Disposal and purge scenarios give every chat a synthetic
redacted layer with SQL (those jobs need one to exist, not to be good), and hold some records.
"""

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
KILL_WINDOWS_S = {"execute_disposals": 1.0, "redact_pii": 4.0, "purge_pii_originals": 0.6}
JOB_TIMEOUT_S = 600


# --- state snapshots -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordState:
    chat_id: int
    messages: int
    text_sha256: str  # original texts in position order
    survey_comment: str


def records_snapshot(record_ids: list[int] | None = None) -> dict[int, RecordState]:
    """Per record: its chat, message count and a hash of its original texts."""
    from chats.models import Message, Survey
    from records.models import Record

    records = Record.objects.all()
    if record_ids is not None:
        records = records.filter(pk__in=record_ids)
    chat_of = dict(records.values_list("pk", "chat_id"))
    texts: dict[int, list[str]] = {chat_id: [] for chat_id in chat_of.values()}
    rows = (
        Message.objects.filter(chat_id__in=list(texts))
        .order_by("chat_id", "position")
        .values_list("chat_id", "text")
    )
    for chat_id, text in rows.iterator(chunk_size=5000):
        texts[chat_id].append(text)
    comments = dict(
        Survey.objects.filter(chat_id__in=list(texts)).values_list("chat_id", "comment")
    )
    return {
        pk: RecordState(
            chat_id=chat_id,
            messages=len(texts[chat_id]),
            text_sha256=hashlib.sha256("\x1e".join(texts[chat_id]).encode()).hexdigest(),
            survey_comment=comments.get(chat_id, ""),
        )
        for pk, chat_id in chat_of.items()
    }


# --- seeding -----------------------------------------------------------------------------------


@contextmanager
def _no_import_hooks() -> Iterator[None]:
    from chats.hooks import chats_imported

    saved = chats_imported.receivers
    for receiver in saved:
        chats_imported.disconnect(receiver)
    try:
        yield
    finally:
        for receiver in saved:
            chats_imported.connect(receiver)


def chats_seed(count: int, *, seed: int, source: str = "faults", messages: int = 8) -> int:
    """Imports `count` sample chats through the real import path; returns how many imported."""
    import json

    from chats.samples import sample_chats
    from chats.services.import_stream import chats_import_lines

    lines = (
        (json.dumps(chat) + "\n").encode()
        for chat in sample_chats(count, seed=seed, messages_per_chat=messages, source=source)
    )
    with _no_import_hooks():
        summary = chats_import_lines(lines=lines, on_reject=lambda *_: None)
    return summary.imported


def _layers_fake(chat_ids: list[int] | None = None) -> None:
    """A redacted layer on every message and survey (of `chat_ids`, default all), set by SQL."""
    from chats.models import Chat, Message, Survey
    from redaction.detection import DETECTOR_VERSION

    chats = Chat.objects.all() if chat_ids is None else Chat.objects.filter(pk__in=chat_ids)
    Message.objects.filter(chat__in=chats).update(text_redacted="[redacted message]")
    Survey.objects.filter(chat__in=chats).update(
        comment_redacted="[redacted comment]", answers_redacted={}
    )
    chats.update(redacted_at=NOW, redaction_version=DETECTOR_VERSION)


def _hold(record_ids: list[int], matter: str) -> None:
    from retention.services import legal_hold_place

    if record_ids:
        counsel, _ = User.objects.get_or_create(username="faults-counsel")
        legal_hold_place(
            matter=matter,
            reason="fault injection",
            scope={"record_ids": record_ids},
            issued_by=counsel,
        )


@dataclass
class Scenario:
    job: str
    expected: set[int] = field(default_factory=set)  # records the job must act on
    untouched: dict[int, RecordState] = field(default_factory=dict)  # must stay as they are
    held: set[int] = field(default_factory=set)
    before: dict[int, RecordState] = field(default_factory=dict)
    seeded: int = 0


def disposal_prepare(*, chats: int, seed: int) -> Scenario:
    """Due records in approved batches; ~10% of them held after the batches were built."""
    from records.services import records_declare
    from retention.file_plan import file_plan_seed
    from retention.models import DisposalItem
    from retention.services import disposal_batch_approve, disposal_batches_build

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed)
    records_declare(now=NOW)
    _layers_fake()
    batches = disposal_batches_build(now=NOW)
    approver, _ = User.objects.get_or_create(username="faults-approver")
    for batch in batches:
        disposal_batch_approve(batch=batch, approver=approver)
    in_batches = sorted(
        DisposalItem.objects.filter(batch__in=batches).values_list("record_id", flat=True)
    )
    rng = random.Random(seed)
    held = set(rng.sample(in_batches, max(1, len(in_batches) // 10)))
    _hold(sorted(held), "faults disposal")
    before = records_snapshot()
    expected = set(in_batches) - held
    untouched = {pk: state for pk, state in before.items() if pk not in expected}
    return Scenario("execute_disposals", expected, untouched, held, before, seeded)


def redaction_prepare(*, chats: int, seed: int) -> Scenario:
    from chats.models import Chat
    from records.services import records_declare
    from retention.file_plan import file_plan_seed

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed, messages=6)
    records_declare(now=NOW)
    before = records_snapshot()
    expected = set(Chat.objects.values_list("pk", flat=True))  # chat ids here
    return Scenario("redact_pii", expected, dict(before), set(), before, seeded)


def purge_prepare(*, chats: int, seed: int) -> Scenario:
    """Records past their PII period; ~10% held, ~10% of chats without a redacted layer."""
    from chats.models import Chat
    from records.models import Record
    from records.services import records_declare
    from retention.file_plan import file_plan_seed
    from retention.selectors import records_due_for_pii_purge

    file_plan_seed()
    seeded = chats_seed(chats, seed=seed)
    records_declare(now=NOW)
    rng = random.Random(seed)
    chat_ids = sorted(Chat.objects.values_list("pk", flat=True))
    unredacted = set(rng.sample(chat_ids, len(chat_ids) // 10))
    _layers_fake([pk for pk in chat_ids if pk not in unredacted])
    due = sorted(records_due_for_pii_purge(now=NOW).values_list("pk", flat=True))
    held = set(rng.sample(due, max(1, len(due) // 10)))
    _hold(sorted(held), "faults purge")
    before = records_snapshot()
    expected = set(due) - held
    untouched = {pk: state for pk, state in before.items() if pk not in expected}
    # Records of chats left unredacted must never lose their originals.
    assert not Record.objects.filter(pk__in=expected, chat_id__in=unredacted).exists()
    return Scenario("purge_pii_originals", expected, untouched, held, before, seeded)


PREPARE: dict[str, Callable[..., Scenario]] = {
    "execute_disposals": disposal_prepare,
    "redact_pii": redaction_prepare,
    "purge_pii_originals": purge_prepare,
}


# --- running and killing -------------------------------------------------------------------


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}{password}@{host}:{port}/{s['NAME']}"


def _job_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        "REDACT_ON_IMPORT": "false",
        "REDACTION_EXTRA_WORKERS": "0",
    }
    env.pop("REDIS_URL", None)  # the jobs run in-process here; Redis faults are tested apart
    # The job runs outside the tests' transaction: kill disposal while two connections work.
    env["DISPOSAL_WORKERS"] = "2"
    env.update(extra or {})
    return env


def job_command(job: str) -> list[str]:
    return [sys.executable, "manage.py", "run_job", job, "--now", NOW.isoformat()]


def _other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def progress(job: str) -> int:
    """How much of the job's work is committed (records destroyed, chats redacted, purged)."""
    from chats.models import Chat
    from records.models import Record

    if job == "execute_disposals":
        return Record.objects.filter(status="disposed").count()
    if job == "redact_pii":
        return Chat.objects.filter(redacted_at__isnull=False).count()
    return Record.objects.filter(pii_purged_at__isnull=False).count()


@dataclass
class KillReport:
    job: str
    seed: int
    kills: int = 0
    finished_before_kill: int = 0
    mid_work: int = 0  # kills after which the job had committed some but not all of its work
    progress_at_kills: list[int] = field(default_factory=list)
    reruns: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    done: int = 0
    seconds: float = 0.0


def kill_repeatedly(
    job: str, *, kills: int, seed: int, window_s: float | None = None
) -> KillReport:
    """Starts the job `kills` times and SIGKILLs it a random moment after it connected to the
    database (uniform in [0, window]); records how far it had got each time."""
    rng = random.Random(seed)
    window = window_s if window_s is not None else KILL_WINDOWS_S[job]
    report = KillReport(job=job, seed=seed)
    total = len(_expected_work(job))
    connection.close()  # no idle transaction of ours in pg_stat_activity
    for _ in range(kills):
        baseline = _other_connections()
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            job_command(job),
            cwd=ROOT,
            env=_job_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while process.poll() is None and time.monotonic() < deadline:
            if _other_connections() > baseline:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, window))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            report.kills += 1
        else:
            report.finished_before_kill += 1
        process.wait()
        done = progress(job)
        report.progress_at_kills.append(done)
        if 0 < done < total:
            report.mid_work += 1
        _wait_backends_gone(baseline)
    return report


def _wait_backends_gone(baseline: int, timeout_s: float = 30) -> None:
    """A killed client's server backend rolls back and exits shortly after; wait for it."""
    deadline = time.monotonic() + timeout_s
    while _other_connections() > baseline and time.monotonic() < deadline:
        time.sleep(0.05)


def run_to_completion(job: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv
        job_command(job),
        cwd=ROOT,
        env=_job_env(),
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{job} failed after the kills:\n{result.stderr[-3000:]}")
    return result.stdout


def _expected_work(job: str) -> list[int]:
    from chats.models import Chat
    from records.models import Record
    from retention.models import DisposalItem

    if job == "execute_disposals":
        return list(DisposalItem.objects.values_list("pk", flat=True))
    if job == "redact_pii":
        return list(Chat.objects.values_list("pk", flat=True))
    return list(Record.objects.filter(pii_purge_due__lte=NOW).values_list("pk", flat=True))


# --- invariants -------------------------------------------------------------------------------


def certificates_chain_ok() -> bool:
    from retention.models import DisposalCertificate
    from retention.services.disposal import GENESIS_HASH, certificate_hash

    previous = GENESIS_HASH
    for number, cert in enumerate(DisposalCertificate.objects.order_by("sequence"), start=1):
        if cert.sequence != number or cert.previous_hash != previous:
            return False
        if cert.hash != certificate_hash(previous, cert.payload):
            return False
        previous = cert.hash
    return True


def _intact(scenario: Scenario, record_ids: list[int]) -> bool:
    now = records_snapshot(record_ids)
    return all(now.get(pk) == scenario.before[pk] for pk in record_ids)


def disposal_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Message, Survey
    from records.models import Record
    from retention.models import BatchState, DisposalBatch, DisposalCertificate, Tombstone

    disposed = set(Record.objects.filter(status="disposed").values_list("pk", flat=True))
    chat_of = {pk: scenario.before[pk].chat_id for pk in disposed}
    tombstones = list(Tombstone.objects.values_list("record_id_value", flat=True))
    items = dict(
        Record.objects.filter(pk__in=disposed, disposal_items__isnull=False).values_list(
            "pk", "disposal_items__status"
        )
    )
    surveys_blank = not Survey.objects.filter(chat_id__in=list(chat_of.values())).exclude(
        comment="", comment_redacted="", answers={}, answers_redacted={}
    )
    batches = DisposalBatch.objects.exclude(state__in=(BatchState.PROPOSED, BatchState.REJECTED))
    completed = batches.filter(state=BatchState.COMPLETED).count()
    return {
        "every due unheld record destroyed (none lost)": disposed == scenario.expected,
        "no held or not-due record touched": _intact(scenario, sorted(scenario.untouched)),
        "destroyed records have no messages": not Message.objects.filter(
            chat_id__in=list(chat_of.values())
        ).exists(),
        "destroyed records have a blank survey": surveys_blank,
        "one tombstone per destroyed record": sorted(tombstones) == sorted(disposed),
        "their batch items are destroyed": set(items) == disposed
        and set(items.values()) <= {"destroyed"},
        "held items skipped as held": set(
            Record.objects.filter(pk__in=scenario.held).values_list(
                "disposal_items__status", flat=True
            )
        )
        <= {"skipped_held"},
        "every approved batch completed": completed == batches.count(),
        "certificates = completed batches": DisposalCertificate.objects.count() == completed,
        "certificate hash chain verifies": certificates_chain_ok(),
    }


def redaction_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Chat, Message, Survey
    from redaction.detection import DETECTOR_VERSION
    from redaction.models import RedactionLog

    chats = Chat.objects.filter(pk__in=scenario.expected)
    stamps = dict(chats.values_list("pk", "redacted_at"))
    run_to_completion("redact_pii")  # once more: must find nothing left to do
    duplicate_logs = (
        RedactionLog.objects.filter(message__isnull=False)
        .values("message_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    return {
        "every chat redacted, current detector": chats.filter(
            redacted_at__isnull=False, redaction_version=DETECTOR_VERSION
        ).count()
        == len(scenario.expected),
        "a re-run redacts nothing again": dict(chats.values_list("pk", "redacted_at")) == stamps,
        "every message has a redacted layer": not Message.objects.filter(
            text_redacted__isnull=True
        ).exists(),
        "every survey comment has a redacted layer": not Survey.objects.filter(
            comment_redacted__isnull=True
        ).exists(),
        "at most one log row per text": not duplicate_logs,
        "originals unchanged": _intact(scenario, sorted(scenario.before)),
    }


def purge_check(scenario: Scenario) -> dict[str, bool]:
    from chats.models import Message
    from records.models import Record

    purged = set(Record.objects.filter(pii_purged_at__isnull=False).values_list("pk", flat=True))
    purged_chats = [scenario.before[pk].chat_id for pk in purged]
    return {
        "every due unheld redacted record purged (none lost)": purged == scenario.expected,
        "no held, undue or unredacted record touched": _intact(
            scenario, sorted(scenario.untouched)
        ),
        "purged records keep every message": all(
            Message.objects.filter(chat_id=scenario.before[pk].chat_id).count()
            == scenario.before[pk].messages
            for pk in sorted(purged)[:200]
        ),
        "purged messages: original gone, redacted kept": not Message.objects.filter(
            chat_id__in=purged_chats
        )
        .exclude(text="", original_purged_at__isnull=False, text_redacted__isnull=False)
        .exists(),
        "no message without both layers": not Message.objects.filter(
            original_purged_at__isnull=False, text_redacted__isnull=True
        ).exists(),
        "all records still live": not Record.objects.exclude(status="active")
        .exclude(status="flagged")
        .exists(),
    }


CHECKS: dict[str, Callable[[Scenario], dict[str, bool]]] = {
    "execute_disposals": disposal_check,
    "redact_pii": redaction_check,
    "purge_pii_originals": purge_check,
}


def audit_chain_ok() -> bool:
    from audit.services import audit_chain_verify

    return audit_chain_verify()[0]


def fault_run(job: str, *, chats: int, kills: int, seed: int) -> KillReport:
    """Prepare, kill `kills` times, run to completion, check. The caller owns an empty DB."""
    started = time.monotonic()
    scenario = PREPARE[job](chats=chats, seed=seed)
    report = kill_repeatedly(job, kills=kills, seed=seed)
    run_to_completion(job)
    report.reruns = 1
    report.checks = CHECKS[job](scenario)
    report.checks["audit hash chain verifies"] = audit_chain_ok()
    report.done = len(scenario.expected)
    report.seconds = time.monotonic() - started
    return report
