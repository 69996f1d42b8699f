"""The controller's hands on the db namespace's database, run as a subprocess of the test with
DATABASE_URL/REDIS_URL of that machine (tests/multihost/services.service_env):

    python -m tests.multihost.driver prepare redaction|disposal STATE   seeds, pickles a Scenario
    python -m tests.multihost.driver check redaction|disposal STATE     invariants, JSON on stdout

The seeding and invariants are those of tests/faults (one host, SIGKILL); here the jobs run in
Celery workers on two other machines and one of them loses its network mid-chunk.
"""

import json
import pickle
import sys
from pathlib import Path
from typing import Any

import django

REDACTION_CHATS, DISPOSAL_CHATS = 400, 5000


def prepare(kind: str, state: Path) -> dict[str, Any]:
    from tests.faults.scenarios import disposal_prepare, redaction_prepare

    if kind == "redaction":
        scenario = redaction_prepare(chats=REDACTION_CHATS, seed=19)
    else:
        scenario = disposal_prepare(chats=DISPOSAL_CHATS, seed=1919)
    state.write_bytes(pickle.dumps(scenario))
    return {"seeded": scenario.seeded, "expected": len(scenario.expected)}


def _done_once() -> dict[str, bool]:
    """What a second worker must not have done again: one tombstone and one destroyed item per
    record, one start and one completion event and one certificate per batch."""
    from django.db.models import Count

    from audit.models import AuditEvent
    from records.models import Record
    from retention.models import BatchState, DisposalBatch, DisposalCertificate, Tombstone

    executed = DisposalBatch.objects.exclude(
        state__in=(BatchState.PROPOSED, BatchState.REJECTED)
    ).count()

    def per_batch(action: str) -> bool:
        rows = AuditEvent.objects.filter(action=action).values("target_id").annotate(n=Count("pk"))
        return len(rows) == executed and all(row["n"] == 1 for row in rows)

    twice = Tombstone.objects.values("record_id_value").annotate(n=Count("pk")).filter(n__gt=1)
    return {
        "no record has two tombstones": not twice.exists(),
        "tombstones = disposed records": Tombstone.objects.count()
        == Record.objects.filter(status="disposed").count(),
        "one disposal.started event per batch": per_batch("disposal.started"),
        "one disposal.completed event per batch": per_batch("disposal.completed"),
        "one certificate per batch": not DisposalCertificate.objects.values("batch_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists(),
    }


def _verify_commands() -> dict[str, bool]:
    """The project's own verification jobs, run as an operator would."""
    import subprocess

    from tests.faults.jobs import _job_env
    from tests.faults.scenarios import ROOT

    outcome = {}
    for job in ("verify_certificates", "verify_audit_chain"):
        result = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", "run_job", job],
            cwd=ROOT,
            env=_job_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        outcome[f"manage.py run_job {job} exits 0"] = result.returncode == 0
    return outcome


def check(kind: str, state: Path) -> dict[str, Any]:
    from tests.faults.checks import audit_chain_ok, disposal_check, redaction_check

    scenario = pickle.loads(state.read_bytes())  # noqa: S301 - our own file of this run
    checks = redaction_check(scenario) if kind == "redaction" else disposal_check(scenario)
    if kind == "disposal":
        checks.update(_done_once())
    checks["audit hash chain verifies"] = audit_chain_ok()
    if kind == "disposal":  # the last phase: the chains as an operator checks them
        checks.update(_verify_commands())
    return {"checks": checks, "expected": len(scenario.expected)}


def main(argv: list[str]) -> None:
    django.setup()
    command, kind, arg = argv
    out = prepare(kind, Path(arg)) if command == "prepare" else check(kind, Path(arg))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
