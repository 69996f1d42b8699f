"""What the controller sees of the run, straight from the db namespace's PostgreSQL: which rows
a worker's session holds (pgrowlocks), whether that session still exists, what is left to do."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from tests.multihost.network import WORKERS
from tests.multihost.services import DATABASE_URL, REDIS_URL, ROOT

# What is left to do, and the rows a chunk claims, per job.
WORK = {
    "redaction": ("chats_chat", "redacted_at IS NULL"),
    "disposal": ("retention_disposalitem", "status = 'pending'"),
}


REDACTION_CHUNK = 10


def dispatch(job: str, count: int) -> list[str]:
    """`count` tasks of `job` to the db machine's Redis, routed by the project's router (queues
    per job type): redaction shares to `redaction`, execute_disposals runs to `disposal`."""
    from celery import Celery

    from tests.faults.scenarios import NOW

    app = Celery("multihost-controller", broker=REDIS_URL, backend=REDIS_URL)
    app.conf.task_routes = ("config.celery_routes.task_route",)
    args: tuple[str, ...]
    if job == "redaction":
        name, args, kwargs = (
            "redaction.redact_pending",
            (),
            {"now_iso": NOW.isoformat(), "chunk_size": REDACTION_CHUNK},
        )
    else:
        name, args, kwargs = "chatrecords.run_job", ("execute_disposals", NOW.isoformat()), {}
    try:
        return [app.send_task(name, args=args, kwargs=kwargs).id for _ in range(count)]
    finally:
        app.close()


def driver(*args: str, env: dict[str, str], timeout_s: float = 240) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "tests.multihost.driver", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"driver {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@dataclass
class Observer:
    connection: psycopg.Connection[Any] = field(
        default_factory=lambda: psycopg.connect(DATABASE_URL, autocommit=True)
    )

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def sessions(self, worker: str) -> list[int]:
        """Backend pids of the worker's sessions on the database."""
        return [
            pid
            for (pid,) in self.rows(
                "SELECT pid FROM pg_stat_activity WHERE client_addr = %s::inet "
                "AND datname = current_database()",
                WORKERS[worker],
            )
        ]

    def held(self, worker: str, job: str) -> list[int]:
        """Ids of the unfinished rows of `job` locked by the worker's sessions, in a transaction
        that has written (mid-chunk)."""
        table, unfinished = WORK[job]
        pids = [
            pid
            for (pid,) in self.rows(
                "SELECT pid FROM pg_stat_activity WHERE client_addr = %s::inet "
                "AND backend_xid IS NOT NULL",
                WORKERS[worker],
            )
        ]
        if not pids:
            return []
        return [
            pk
            for (pk,) in self.rows(
                f"SELECT t.id FROM {table} t JOIN pgrowlocks(%s) l ON t.ctid = l.locked_row "  # noqa: S608
                f"WHERE l.pids && %s::int[] AND t.{unfinished} ORDER BY t.id",
                table,
                pids,
            )
        ]

    def left(self, job: str, ids: list[int] | None = None) -> int:
        table, unfinished = WORK[job]
        sql = f"SELECT count(*) FROM {table} WHERE {unfinished}"  # noqa: S608 - our constants
        if ids is not None:
            return int(self.rows(sql + " AND id = ANY(%s)", ids)[0][0])
        return int(self.rows(sql)[0][0])

    def close(self) -> None:
        self.connection.close()


def wait_for(
    condition: Callable[[], Any], *, timeout_s: float, what: str, poll_s: float = 0.05
) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll_s)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


def environment_ok() -> None:
    """psql and runuser are used as the postgres user; fail loudly without them."""
    for tool in ("runuser", "redis-server"):
        if not any(
            os.access(os.path.join(path, tool), os.X_OK)
            for path in os.environ.get("PATH", "").split(":")
        ):
            pytest.fail(f"tests/multihost need `{tool}`")
