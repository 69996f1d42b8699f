"""Real Celery worker processes for the benchmarks that measure scale-out (redaction, scale).

Each worker is `celery -A config worker -c 1` on its own queue name, so a benchmark's tasks
reach only the workers it started; the context manager returns once every worker answers a
ping and has loaded spaCy, and stops them on the way out.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90
# Each worker process loads the spaCy model at start (worker_process_init), after it answers
# pings: the clock starts once that is done.
WARM_UP_S = 6


def _start(count: int, queue: str, prefix: str) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-c",
                "1",
                "-Q",
                queue,
                "-n",
                f"{prefix}{n}-{os.getpid()}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


@contextmanager
def celery_workers(count: int, *, queue: str, prefix: str) -> Iterator[None]:
    """`count` single-process workers consuming `queue`, ready and warmed up."""
    from config.celery_app import app

    workers = _start(count, queue, prefix)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            replies = app.control.ping(timeout=1.0) or []
            if sum(1 for reply in replies for name in reply if name.startswith(prefix)) >= count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{count} Celery worker(s) did not start")
        time.sleep(WARM_UP_S)
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


_SPIN = "total = 0\nfor i in range({iterations}):\n    total += i * i\n"


def machine_cpu_scaling(iterations: int = 20_000_000, repeats: int = 3) -> float:
    """The machine's own answer to "how much faster are two busy processes than one?": the same
    pure-Python loop in one, then two processes, best of `repeats`. On a virtual machine whose
    cores are shared with other tenants this is well under 2 (1.4-1.9 seen here), and it
    bounds what two Celery workers can show. Fresh interpreters, not fork: a fork of a process
    with Celery's threads running can hang on a lock one of them held."""
    code = _SPIN.format(iterations=iterations)

    def elapsed(processes: int) -> float:
        started = time.perf_counter()
        runs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(processes)]
        for run in runs:
            run.wait()
        return time.perf_counter() - started

    one = min(elapsed(1) for _ in range(repeats))
    two = min(elapsed(2) for _ in range(repeats))
    return 2 * one / two
