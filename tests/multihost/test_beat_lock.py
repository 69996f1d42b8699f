"""Only one beat schedules (config/beat_lock.py): two `celery beat` processes on one Redis send
one stream of tasks, from one of them; when that one is killed (no chance to release the lock),
the other takes over within BEAT_LOCK_SECONDS. Uses a redis-server of its own on 127.0.0.1:6391
and a one-second schedule (tests/multihost/beat_app.py); nothing consumes the queue, so every
message the beats sent is there to be counted."""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from config.beat_lock import BEAT_LOCK_KEY, RedisLease

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PORT = 6391
URL = f"redis://127.0.0.1:{PORT}/0"
LOCK_S = 3


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[redis.Redis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    server = subprocess.Popen(  # noqa: S603 - our own throwaway server
        [binary, "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis.from_url(URL)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("own redis-server on 6391 did not start")
            time.sleep(0.05)
    try:
        yield client
    finally:
        server.kill()
        server.wait()


def _beat(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "BEAT_LOCK_SECONDS": str(LOCK_S),
    }
    env.pop("DATABASE_URL", None)  # beat needs no database
    log = (tmp_path / f"{name}.log").open("ab")
    return subprocess.Popen(  # noqa: S603 - the project's beat command, our test app
        [
            *[sys.executable, "-m", "celery", "-A", "tests.multihost.beat_app", "beat"],
            *["-l", "info", "-s", str(tmp_path / f"{name}-schedule")],
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _senders(client: redis.Redis) -> list[int]:
    """The pid each queued probe carries, oldest first."""
    senders = []
    for raw in reversed(client.lrange("celery", 0, -1)):  # LPUSHed: newest at the head
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        senders.append(int(args[0]))
    return senders


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_second_beat_sends_nothing_until_the_first_dies(
    own_redis: redis.Redis, tmp_path: Path
) -> None:
    first = _beat(tmp_path, "first")
    second = None
    try:
        _wait(lambda: len(_senders(own_redis)) >= 2, 60, "the first beat to send")
        second = _beat(tmp_path, "second")
        _wait(
            lambda: "standing by" in (tmp_path / "second.log").read_text(),
            60,
            "the second beat to start and stand by",
        )
        before = len(_senders(own_redis))
        window_start = time.monotonic()
        time.sleep(6)
        both = _senders(own_redis)[before:]
        window = time.monotonic() - window_start
        # One stream (one a second), from the first beat only: a second beat would double it.
        assert set(both) == {first.pid}, both
        assert len(both) <= window + 2, (len(both), window)

        first.send_signal(signal.SIGKILL)  # a dead machine: the lock is not released
        first.wait()
        killed = time.monotonic()
        _wait(lambda: second.pid in _senders(own_redis), LOCK_S + 15, "the second beat to lead")
        takeover_s = time.monotonic() - killed
        assert takeover_s <= LOCK_S + 5, takeover_s
        print(f"beat takeover {takeover_s:.1f} s after the leader died (lock {LOCK_S} s)")
        time.sleep(2.5)
        after = _senders(own_redis)
        assert set(after[len(after) - 2 :]) == {second.pid}, after  # the stream goes on
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def test_lease_is_held_by_one_token_and_only_its_holder_renews_or_releases(
    own_redis: redis.Redis,
) -> None:
    leader, other = RedisLease(URL, seconds=2), RedisLease(URL, seconds=2)
    assert leader.hold() is True
    assert other.hold() is False  # held by another: not taken
    assert leader.hold() is True  # renewed
    other.release()  # not the holder: the key stays
    assert own_redis.get(BEAT_LOCK_KEY) == leader.token.encode()
    leader.release()
    assert own_redis.get(BEAT_LOCK_KEY) is None
    assert other.hold() is True
    own_redis.pexpire(BEAT_LOCK_KEY, 1)  # the holder went silent: the lease runs out
    time.sleep(0.05)
    assert leader.hold() is True


def test_beat_without_redis_sends_nothing() -> None:
    nowhere = RedisLease("redis://127.0.0.1:1/0", seconds=1)
    assert nowhere.hold() is False
