"""The three machines of tests/multihost: network namespaces, the db machine's engines and one
Celery worker on each worker machine. Needs root and `ip netns`; without them these tests fail,
loudly, and never skip."""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.multihost.network import WORKERS, Network, require_root_and_netns
from tests.multihost.observe import Observer, environment_ok
from tests.multihost.services import ROOT, PostgresCluster, RedisServer, Worker, service_env

# The test's lease (production: 300 s): a cut worker's claim is taken over after about this.
LEASE_S = int(os.environ.get("MULTIHOST_LEASE_SECONDS", "5"))


@dataclass
class Machines:
    network: Network
    postgres: PostgresCluster
    redis: RedisServer
    workers: dict[str, Worker]
    observer: Observer
    env: dict[str, str]
    directory: Path


@pytest.fixture
def machines() -> Iterator[Machines]:
    require_root_and_netns()
    environment_ok()
    directory = Path(tempfile.mkdtemp(prefix="chatrecords-multihost-"))
    network, postgres, redis = Network(), PostgresCluster(directory), RedisServer()
    env = service_env(
        CLAIM_LEASE_SECONDS=str(LEASE_S),
        AUDIT_ANCHOR_FILE=str(directory / "audit-anchors.jsonl"),
    )
    workers = {name: Worker(name, directory / f"{name}.log", env) for name in WORKERS}
    observer = None
    try:
        network.create()
        postgres.start()
        redis.start()
        migrate = subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env
        )
        for worker in workers.values():  # they load spaCy while the schema is made
            worker.start()
        if migrate.wait(timeout=300) != 0:
            pytest.fail("migrate on the db machine failed")
        for worker in workers.values():
            worker.wait_ready()
        observer = Observer()
        yield Machines(network, postgres, redis, workers, observer, env, directory)
    finally:
        if observer is not None:
            observer.close()
        for worker in workers.values():
            worker.stop()
        redis.stop()
        postgres.stop()
        network.destroy()
        print(f"logs of the run: {directory}")
