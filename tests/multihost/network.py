"""Three machines on this one: network namespaces joined by veth pairs to a bridge.

`crmh-db` holds the bridge (10.219.0.1) and runs PostgreSQL and Redis; `crmh-w1` (10.219.0.11)
and `crmh-w2` (10.219.0.12) each run a Celery worker; the test process itself, in the host's
namespace, reaches the bridge as 10.219.0.2 to seed, dispatch and watch. Cutting a worker's
link sets its bridge port down: its packets go nowhere and neither side is told (no reset), as
when a machine or its switch port dies.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest

PREFIX = "crmh"
SUBNET = "10.219.0"
DB_ADDRESS = f"{SUBNET}.1"
HOST_ADDRESS = f"{SUBNET}.2"
WORKERS = {"w1": f"{SUBNET}.11", "w2": f"{SUBNET}.12"}
IP = shutil.which("ip") or "/usr/sbin/ip"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv
        [IP, *args], capture_output=True, text=True, check=check
    )


def require_root_and_netns() -> None:
    """These tests need root and `ip netns`: fail, loudly, when either is missing."""
    if os.geteuid() != 0:
        pytest.fail(
            "tests/multihost need root (network namespaces): run the PostgreSQL run as root"
        )
    if not os.access(IP, os.X_OK):
        pytest.fail("tests/multihost need iproute2's `ip` (apt-get install -y iproute2)")
    probe = _ip("netns", "add", f"{PREFIX}-probe", check=False)
    _ip("netns", "del", f"{PREFIX}-probe", check=False)
    if probe.returncode != 0:
        pytest.fail(f"`ip netns add` is not available here: {probe.stderr.strip()}")


def namespace(name: str) -> str:
    return f"{PREFIX}-{name}"


def in_namespace(name: str, argv: list[str]) -> list[str]:
    return [IP, "netns", "exec", namespace(name), *argv]


@dataclass
class Network:
    up: bool = False

    def create(self) -> None:
        self.destroy()  # what an earlier, interrupted run left behind
        db = namespace("db")
        for name in ("db", *WORKERS):
            _ip("netns", "add", namespace(name))
            _ip("-n", namespace(name), "link", "set", "lo", "up")
        _ip("-n", db, "link", "add", "br0", "type", "bridge")
        _ip("-n", db, "addr", "add", f"{DB_ADDRESS}/24", "dev", "br0")
        _ip("-n", db, "link", "set", "br0", "up")
        for name, address in WORKERS.items():
            port = f"{PREFIX}-{name}"  # the worker's bridge port, in the db namespace
            _ip(
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                namespace(name),
            )
            _ip("link", "set", port, "netns", db)
            _ip("-n", db, "link", "set", port, "master", "br0", "up")
            _ip("-n", namespace(name), "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", namespace(name), "link", "set", "eth0", "up")
        host = f"{PREFIX}-host"
        _ip("link", "add", host, "type", "veth", "peer", "name", f"{PREFIX}-hostp", "netns", db)
        _ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", host)
        _ip("link", "set", host, "up")
        _ip("-n", db, "link", "set", f"{PREFIX}-hostp", "master", "br0", "up")
        self.up = True

    def cut(self, worker: str) -> None:
        _ip("-n", namespace("db"), "link", "set", f"{PREFIX}-{worker}", "down")

    def restore(self, worker: str) -> None:
        _ip("-n", namespace("db"), "link", "set", f"{PREFIX}-{worker}", "up")

    def destroy(self) -> None:
        _ip("link", "del", f"{PREFIX}-host", check=False)
        for name in ("db", *WORKERS):
            _ip("netns", "del", namespace(name), check=False)
        self.up = False
