"""Two worker machines share a redaction run and a disposal batch; one loses its network
mid-chunk. Its claimed chunk is taken over by the other once the lease expires (the database
ends the silent session), nothing is lost, nothing is done twice, the chains verify.

    sudo DATABASE_URL=… REDIS_URL=… .venv/bin/python -m pytest -s tests/multihost/test_link_cut.py

Figures (cut → lease expired → claimed chunk done → all done) are printed and written to
<logs>/figures.json; docs/notes/h19c.md has a run.
"""

import json
import time
from typing import Any

import pytest

from tests.multihost.conftest import LEASE_S, Machines
from tests.multihost.network import WORKERS
from tests.multihost.observe import dispatch, driver, wait_for

pytestmark = pytest.mark.integration

RUN_TIMEOUT_S = 120


def _cut_mid_chunk(machines: Machines, job: str, task_ids: list[str], *, victims: list[str]):
    """Waits until one of `victims` holds a chunk it has started writing, cuts its link, and
    times what follows. Returns the figures."""
    observer = machines.observer
    victim, claimed = wait_for(
        lambda: next(((w, ids) for w in victims if (ids := observer.held(w, job))), None),
        timeout_s=RUN_TIMEOUT_S,
        what=f"a worker of {victims} mid-chunk in {job}",
        poll_s=0.02,
    )
    sessions = observer.sessions(victim)
    cut = time.monotonic()
    machines.network.cut(victim)
    left_at_cut = observer.left(job)
    early: list[int] = []  # claimed rows done while the cut worker's session still lived

    def session_ended() -> bool:
        alive = set(sessions) & set(observer.sessions(victim))
        if alive and observer.left(job, claimed) < len(claimed):
            early.append(len(claimed) - observer.left(job, claimed))
        return not alive

    wait_for(
        session_ended,
        timeout_s=RUN_TIMEOUT_S,
        what=f"the database to end {victim}'s sessions (lease)",
    )
    lease_expired = time.monotonic()
    wait_for(
        lambda: observer.left(job, claimed) == 0,
        timeout_s=RUN_TIMEOUT_S,
        what=f"{victim}'s claimed chunk to be taken over",
    )
    taken_over = time.monotonic()
    wait_for(lambda: observer.left(job) == 0, timeout_s=RUN_TIMEOUT_S, what=f"{job} to finish")
    wait_for(
        lambda: "SUCCESS" in machines.redis.task_states(task_ids).values(),
        timeout_s=RUN_TIMEOUT_S,
        what="the surviving worker's task to succeed",
    )
    done = time.monotonic()
    machines.network.restore(victim)
    return {
        "job": job,
        "cut": victim,
        "claimed by the cut worker": len(claimed),
        "left at the cut": left_at_cut,
        "claimed rows done before the lease expired": max(early, default=0),
        "s to lease expiry": round(lease_expired - cut, 2),
        "s to takeover of its chunk": round(taken_over - cut, 2),
        "s to all done": round(done - cut, 2),
        "task states": sorted(machines.redis.task_states(task_ids).values()),
    }


def _assert_checks(kind: str, result: dict[str, Any]) -> None:
    failed = [name for name, ok in result["checks"].items() if not ok]
    assert not failed, f"{kind}: {failed}"


def test_cut_worker_work_is_taken_over_after_the_lease(machines: Machines) -> None:
    started = time.monotonic()
    figures: list[dict[str, Any]] = []
    env, directory = machines.env, machines.directory

    # Redaction: both workers claim chunks of the backlog; the first seen mid-chunk is cut.
    state = directory / "redaction.pickle"
    seeded = driver("prepare", "redaction", str(state), env=env)
    tasks = dispatch("redaction", 2)
    figures.append(_cut_mid_chunk(machines, "redaction", tasks, victims=list(WORKERS)))
    redaction = driver("check", "redaction", str(state), env=env)
    figures[-1]["chats"] = seeded["expected"]

    # Disposal: the cut machine's link is back and its worker restarted; cut again mid-chunk.
    machines.workers[figures[-1]["cut"]].stop()
    machines.workers[figures[-1]["cut"]].start()
    state = directory / "disposal.pickle"
    seeded = driver("prepare", "disposal", str(state), env=env)
    machines.workers[figures[-1]["cut"]].wait_ready()
    tasks = dispatch("disposal", 2)
    figures.append(_cut_mid_chunk(machines, "disposal", tasks, victims=list(WORKERS)))
    disposal = driver("check", "disposal", str(state), env=env)
    figures[-1]["records destroyed"] = seeded["expected"]

    total = round(time.monotonic() - started, 1)
    (directory / "figures.json").write_text(json.dumps({"figures": figures, "s": total}, indent=1))
    print(json.dumps(figures, indent=1), f"\nlease {LEASE_S} s; test body {total} s")
    _assert_checks("redaction", redaction)
    _assert_checks("disposal", disposal)
    for figure in figures:
        # The cut worker never committed its chunk: it was done by the other after the lease.
        assert figure["claimed by the cut worker"] > 0
        assert figure["claimed rows done before the lease expired"] == 0
        assert figure["s to takeover of its chunk"] < 3 * LEASE_S + 20
