"""Real services for integration tests: a Celery worker process on Redis, sharing the test
database. These tests never skip: run without REDIS_URL or PostgreSQL they fail, loudly."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT_S = 60


def _require_services() -> str:
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.fail("integration tests need REDIS_URL (make test-postgres sets it)")
    if connection.vendor != "postgresql":
        pytest.fail("integration tests need PostgreSQL (DATABASE_URL=postgres://…)")
    return redis_url


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[None]:
    """Starts `celery -A config worker` against the test database and Redis; stops it after."""
    redis_url = _require_services()
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    previous = (
        celery_app.conf.task_always_eager,
        celery_app.conf.broker_url,
        celery_app.conf.result_backend,
    )
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    # A fresh queue per run: a task left over from an earlier run must not confuse this one.
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    celery_app.conf.task_default_queue = queue
    worker = subprocess.Popen(  # noqa: S603 - fixed argv, our own worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"celery worker exited early with status {worker.returncode}")
            replies = celery_app.control.ping(timeout=1.0)
            if replies:
                break
        else:
            pytest.fail("celery worker did not answer a ping within 60 s")
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        celery_app.conf.update(
            task_always_eager=previous[0], broker_url=previous[1], result_backend=previous[2]
        )
        celery_app.conf.task_default_queue = "celery"
