"""Queues per job type (config/celery_routes.py): each heavy job's task lands on its own queue
and on no other; the rest on `jobs`. Checked through Celery's own router and, with a
redis-server of our own on 127.0.0.1:6392, in the broker's queues themselves."""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery

from config.celery_app import JOB_SCHEDULE
from config.celery_routes import JOB_QUEUES, JOBS, QUEUES, queue_for
from core.jobs import jobs_registered

ROOT = Path(__file__).resolve().parents[2]
PORT = 6392
URL = f"redis://127.0.0.1:{PORT}/0"

EXPECTED = {
    ("chatrecords.run_job", "redact_pii"): "redaction",
    ("chatrecords.run_job", "execute_disposals"): "disposal",
    ("chatrecords.run_job", "purge_pii_originals"): "disposal",
    ("chatrecords.run_job", "extract_keywords"): "keywords",
    ("chatrecords.run_job", "embed_search_documents"): "keywords",
    ("chatrecords.run_job", "declare_records"): "jobs",
    ("chatrecords.run_job", "verify_audit_chain"): "jobs",
    ("chatrecords.run_job", "no_such_job"): "jobs",
    ("redaction.redact_pending", None): "redaction",
    ("redaction.redact_chats", None): "redaction",
    ("integrations.webhook_deliver", None): "webhooks",
    ("exports.chats_csv", None): "exports",
}


def _app() -> Celery:
    app = Celery("routing-test", broker=URL)
    app.conf.task_routes = ("config.celery_routes.task_route",)
    return app


@pytest.mark.parametrize(("task", "job"), list(EXPECTED))
def test_celery_router_sends_each_task_to_its_queue(task: str, job: str | None) -> None:
    app = _app()
    args = (job, "2026-11-23T00:00:00+00:00") if job else ()
    route = app.amqp.router.route({}, task, args, {})
    assert route["queue"].name == EXPECTED[(task, job)]


def test_every_routed_job_exists_and_every_scheduled_job_has_a_queue() -> None:
    registered = set(jobs_registered())
    assert set(JOB_QUEUES) <= registered, set(JOB_QUEUES) - registered  # no stale name
    for job in JOB_SCHEDULE:
        assert queue_for("chatrecords.run_job", (job,)) in QUEUES
    # run_job called with keyword arguments routes the same way
    app = _app()
    route = app.amqp.router.route({}, "chatrecords.run_job", (), {"job_name": "redact_pii"})
    assert route["queue"].name == "redaction"
    assert queue_for("chatrecords.run_job") == JOBS


@pytest.fixture
def own_redis() -> Iterator[redis.Redis]:
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
                pytest.fail("own redis-server on 6392 did not start")
            time.sleep(0.05)
    try:
        yield client
    finally:
        server.kill()
        server.wait()


# Run with the project's settings (CELERY_QUEUES_PER_JOB_TYPE=true): publish through the real
# task objects, and report the queues a worker started without -Q consumes.
PUBLISH = """
import json, django
django.setup()
from config.celery_app import app
from core.tasks import run_job_task
from redaction.tasks import redact_pending_task
for job in ("redact_pii", "execute_disposals", "extract_keywords", "declare_records"):
    run_job_task.delay(job)
redact_pending_task.delay()
print(json.dumps(sorted(app.amqp.queues)))
"""


@pytest.mark.integration
def test_published_tasks_wait_in_their_own_queue_in_the_broker(own_redis: redis.Redis) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUES_PER_JOB_TYPE": "true",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", PUBLISH],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    consumed_without_q = json.loads(result.stdout.strip().splitlines()[-1])
    assert consumed_without_q == sorted((*QUEUES, "celery"))
    found = {queue: int(own_redis.llen(queue)) for queue in (*QUEUES, "celery")}
    assert found == {
        **dict.fromkeys((*QUEUES, "celery"), 0),
        "redaction": 2,  # redact_pii's run and a share of its backlog
        "disposal": 1,
        "keywords": 1,
        "jobs": 1,
    }
