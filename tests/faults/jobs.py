"""Running the destructive jobs as subprocesses on the test database, and killing them with
SIGKILL at random moments (tests/faults/harness.py)."""

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.db import connection

from tests.faults.scenarios import NOW, ROOT

KILL_WINDOWS_S = {"execute_disposals": 1.0, "redact_pii": 4.0, "purge_pii_originals": 0.6}
JOB_TIMEOUT_S = 600


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
