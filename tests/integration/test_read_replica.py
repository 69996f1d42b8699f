"""The read replica on real engines: the test starts a PostgreSQL primary and a streaming standby
of it (initdb, pg_basebackup -R, pg_ctl from /usr/lib/postgresql/*/bin, as the postgres user
when run as root, on free loopback ports in a temporary folder), then runs
tests/integration/replica_probe.py against the pair. The standby's replay is paused mid-way, so
a row written after the pause exists on the primary only: a read that misses it went to the
replica. Missing binaries fail the test, never skip it.
"""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = "60"


def _binaries() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        pytest.fail(
            "the read-replica test needs PostgreSQL's server binaries "
            "(/usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: then they run as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(*command: str) -> None:
    completed = subprocess.run(  # noqa: S603 - fixed programs, our own folder
        [*_as_postgres(), *command], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")


@pytest.fixture
def primary_and_standby() -> Iterator[tuple[int, int]]:
    """(primary port, standby port), both running until the test ends."""
    bin_dir = _binaries()
    folder = Path(tempfile.mkdtemp(prefix="chatrecords-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary, standby = folder / "primary", folder / "standby"
    primary_port, standby_port = _free_port(), _free_port()
    started: list[Path] = []
    try:
        _run(
            str(bin_dir / "initdb"),
            "-D",
            str(primary),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        with (primary / "postgresql.conf").open("a") as conf:
            # Test speed only: nothing here must survive a crash.
            conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        options = f"-p {{}} -c listen_addresses=127.0.0.1 -k {folder}"
        _run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(primary),
            "-w",
            "-t",
            START_TIMEOUT_S,
            "-o",
            options.format(primary_port),
            "-l",
            str(folder / "primary.log"),
            "start",
        )
        started.append(primary)
        # -R: standby.signal and primary_conninfo, so the copy starts as a streaming standby.
        _run(
            str(bin_dir / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            "-D",
            str(standby),
            "-R",
            "-X",
            "stream",
        )
        _run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(standby),
            "-w",
            "-t",
            START_TIMEOUT_S,
            "-o",
            options.format(standby_port),
            "-l",
            str(folder / "standby.log"),
            "start",
        )
        started.append(standby)
        yield primary_port, standby_port
    finally:
        for data_dir in reversed(started):
            subprocess.run(  # noqa: S603
                [
                    *_as_postgres(),
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data_dir),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.integration
def test_read_heavy_requests_read_the_standby_and_every_write_goes_to_the_primary(
    primary_and_standby: tuple[int, int],
) -> None:
    primary_port, standby_port = primary_and_standby
    name = "chatrecords_replica_probe"
    # The database is created on the primary and replicated like the rest.
    subprocess.run(  # noqa: S603 - fixed programs
        [
            *_as_postgres(),
            str(_binaries() / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            name,
        ],
        check=True,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary_port}/{name}",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{standby_port}/{name}",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "REDIS_URL": "",
    }
    completed = subprocess.run(  # noqa: S603 - our own probe
        [sys.executable, str(ROOT / "tests/integration/replica_probe.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("PROBE ")]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert lines, completed.stdout + completed.stderr
    probe = json.loads(lines[-1].removeprefix("PROBE "))

    assert probe["replica_in_recovery"] is True  # a real standby, not a second primary
    # Written inside a replica block, yet on the primary: the outside read (default) sees it.
    assert probe["seen_outside"] == ["after-pause", "before-pause"]
    # The standby stopped replaying before "after-pause": reads in the block went there.
    assert probe["seen_in_replica_block"] == ["before-pause"]
    # OData is a read-heavy surface: the standby; the chat list is not: the primary. The
    # token was created after the pause and still authenticates (identity reads the primary).
    assert probe["odata_status"] == 200
    assert probe["odata_ids"] == ["before-pause"]
    assert probe["api_status"] == 200
    assert probe["api_ids"] == ["after-pause", "before-pause"]
    # The standby refuses writes outright.
    assert "read-only" in probe["replica_write_error"]
    # Replay resumed: the standby catches up and shows both.
    assert probe["seen_after_resume"] == ["after-pause", "before-pause"]
