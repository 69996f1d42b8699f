"""SIGKILL execute_disposals, redact_pii and purge_pii_originals at random moments, re-run
them, and check that no record is lost, half-destroyed or destroyed twice (a bounded version of
bench/faults.py: FAULT_KILLS kills per job, default 3; FAULT_SEED fixes the kill points)."""

import os
import random

import pytest

from tests.faults.harness import fault_run

pytestmark = pytest.mark.integration

KILLS = int(os.environ.get("FAULT_KILLS", "3"))
CASES = [("execute_disposals", 1500), ("redact_pii", 150), ("purge_pii_originals", 1500)]


@pytest.mark.parametrize(("job", "chats"), CASES)
def test_job_survives_sigkill(postgres_db: None, job: str, chats: int) -> None:
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(10**6))
    print(f"{job}: seed {seed} (FAULT_SEED={seed} reproduces the kill points)")
    report = fault_run(job, chats=chats, kills=KILLS, seed=seed)
    print(report)
    failed = [name for name, ok in report.checks.items() if not ok]
    assert not failed, f"{job} (seed {seed}) broke: {failed}"
    assert report.kills + report.finished_before_kill == KILLS
    assert report.done > 0
