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

import time

from tests.faults.checks import CHECKS, audit_chain_ok
from tests.faults.jobs import KillReport, kill_repeatedly, run_to_completion
from tests.faults.scenarios import PREPARE


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
