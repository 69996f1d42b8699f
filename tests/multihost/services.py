"""The engines of the three machines (tests/multihost/network.py): a PostgreSQL cluster of its
own (initdb/pg_ctl as user postgres, in a temporary directory) and a redis-server in the db
namespace, and the project's Celery worker command in each worker namespace."""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from tests.multihost.network import DB_ADDRESS, in_namespace

ROOT = Path(__file__).resolve().parents[2]
PG_PORT, REDIS_PORT, DB_NAME = 5432, 6379, "chatrecords"
DATABASE_URL = f"postgres://postgres@{DB_ADDRESS}:{PG_PORT}/{DB_NAME}"
REDIS_URL = f"redis://{DB_ADDRESS}:{REDIS_PORT}/0"
WORKER_READY_S = 120
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


def _pg_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if not found:
        pytest.fail(f"PostgreSQL's {tool} not found in /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres(argv: list[str]) -> list[str]:
    return [RUNUSER, "-u", "postgres", "--", *argv]


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}): {result.stderr[-2000:]}")


@dataclass
class PostgresCluster:
    directory: Path
    started: bool = False

    @property
    def data(self) -> Path:
        return self.directory / "pgdata"

    @property
    def log(self) -> Path:
        return self.directory / "postgresql.log"

    def start(self) -> None:
        shutil.chown(self.directory, "postgres", "postgres")
        _run(
            _as_postgres(
                [
                    *[_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
                    *["--no-sync", "-E", "UTF8", "--locale", "C"],
                ]
            ),
            "initdb",
        )
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {DB_ADDRESS.rsplit('.', 1)[0]}.0/24 trust\n")
        settings = {
            "listen_addresses": DB_ADDRESS,
            "port": PG_PORT,
            "unix_socket_directories": self.directory,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "log_connections": "on",
            "log_disconnections": "on",
            "log_line_prefix": "%m [%p] %r ",
            "max_connections": 60,
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in settings.items())
        _run(
            in_namespace(
                "db",
                _as_postgres(
                    [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"]
                ),
            ),
            "pg_ctl start",
        )
        self.started = True
        self.sql("postgres", f"CREATE DATABASE {DB_NAME}")
        self.sql(DB_NAME, "CREATE EXTENSION pgrowlocks")

    def sql(self, database: str, statement: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed argv
            _as_postgres(
                [
                    *[_pg_bin("psql"), "-h", str(self.directory), "-p", str(PG_PORT)],
                    *["-U", "postgres", "-d", database, "-At", "-v", "ON_ERROR_STOP=1"],
                    *["-c", statement],
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"psql {statement!r}: {result.stderr}")
        return result.stdout.strip()

    def stop(self) -> None:
        if self.started:
            subprocess.run(  # noqa: S603 - fixed argv
                in_namespace(
                    "db",
                    _as_postgres(
                        [_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
                    ),
                ),
                capture_output=True,
                check=False,
            )
            self.started = False


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
        self.process = subprocess.Popen(  # noqa: S603 - our own throwaway server
            in_namespace(
                "db",
                [
                    *[binary, "--bind", DB_ADDRESS, "--port", str(REDIS_PORT)],
                    *["--save", "", "--appendonly", "no", "--protected-mode", "no"],
                ],
            ),
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server in the db namespace did not start")

    def task_states(self, task_ids: list[str]) -> dict[str, str]:
        """Celery's result of each task (result backend keys), PENDING while none."""
        client = redis.Redis.from_url(REDIS_URL)
        states = {}
        for task_id in task_ids:
            raw = client.get(f"celery-task-meta-{task_id}")
            states[task_id] = json.loads(raw)["status"] if raw else "PENDING"
        return states

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def service_env(**extra: str) -> dict[str, str]:
    """The environment of every process of the run: the db namespace's engines, short leases."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUES_PER_JOB_TYPE": "true",
        "REDACT_ON_IMPORT": "false",
        "REDACTION_EXTRA_WORKERS": "0",
        "DISPOSAL_WORKERS": "1",
    }
    env.update(extra)
    return env


@dataclass
class Worker:
    name: str
    log: Path
    env: dict[str, str]
    queues: str = "redaction,disposal"
    process: subprocess.Popen[bytes] | None = None
    started_at: float = field(default=0.0)

    def command(self) -> list[str]:
        """The project's worker command (README "Operations"), one process, fair dispatch."""
        return [
            *[sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info"],
            *["-Q", self.queues, "-c", "1", "-n", f"{self.name}@%h", "-O", "fair"],
        ]

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - the project's worker command
                in_namespace(self.name, self.command()),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_READY_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"worker {self.name} exited: {self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        pytest.fail(
            f"worker {self.name} not ready in {WORKER_READY_S} s: {self.log.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own session: worker and its child
        if self.process is not None:
            self.process.wait()
        self.process = None
