"""Redis stopped mid-run: enqueuing redaction and webhook tasks fails with a clear broker error,
what was committed stays whole, and the scheduled jobs pick the work up once Redis is back.

Uses a redis-server of its own on 127.0.0.1:6390 (never the shared one), stopped and restarted."""

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import redis
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from chats.interchange import chat_payload_from_dict
from chats.models import Chat, Message
from chats.services.import_batch import chats_import_batch
from config.celery_app import app as celery_app
from core.jobs import job_run
from outbox.models import WebhookDelivery, WebhookSubscription
from outbox.services import webhook_events_emit
from tests.factories import chat_dict

pytestmark = pytest.mark.integration

PORT = 6390
URL = f"redis://127.0.0.1:{PORT}/9"


class _Redis:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603 - our own throwaway server
            [
                binary,
                "--port",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(URL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("own redis-server on 6390 did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis(postgres_db: None, settings: Any) -> Iterator[_Redis]:
    server = _Redis()
    server.start()
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDACT_ON_IMPORT = True
    settings.REDACTION_EXTRA_WORKERS = 0
    celery_app.conf.update(task_always_eager=False, broker_url=URL)
    _pool_reset()
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.update(task_always_eager=previous[0], broker_url=previous[1])
        _pool_reset()


def _pool_reset() -> None:
    """Drops Celery's broker connections so the next publish connects to broker_url afresh."""
    celery_app._pool = None  # type: ignore[attr-defined]  # the old pool's connections go with it
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


def _queued() -> int:
    return int(redis.Redis.from_url(URL).llen("celery"))


def test_import_with_redis_down_commits_whole_chats_and_redaction_resumes(
    own_redis: _Redis, caplog: pytest.LogCaptureFixture
) -> None:
    own_redis.stop()
    payload = chat_payload_from_dict(chat_dict(external_id="redis-down-1"))
    # The import goes on (a broker outage must not stop it); the failed enqueue is logged.
    chats_import_batch(payloads=[payload])
    assert any(
        isinstance(record.exc_info[1], OperationalError)
        for record in caplog.records
        if record.exc_info
    )
    # The chat committed whole, before the enqueue was attempted; nothing is half-redacted.
    chat = Chat.objects.get(external_id="redis-down-1")
    assert chat.messages.count() == len(payload.messages)
    assert chat.redacted_at is None
    assert not Message.objects.filter(chat=chat, text_redacted__isnull=False).exists()

    own_redis.start()
    _pool_reset()
    result = job_run(name="redact_pii", now=timezone.now())
    assert result.counts["chats"] == 1
    chat.refresh_from_db()
    assert chat.redacted_at is not None
    assert not Message.objects.filter(chat=chat, text_redacted__isnull=True).exists()
    # And enqueuing works again.
    chats_import_batch(payloads=[chat_payload_from_dict(chat_dict(external_id="redis-back"))])
    assert _queued() >= 1


class _Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Receiver.received.append(self.rfile.read(length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhook_emit_with_redis_down_keeps_the_delivery_and_the_job_sends_it(
    own_redis: _Redis, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on loopback
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received = []
    try:
        WebhookSubscription.objects.create(
            name="faults",
            url=f"http://127.0.0.1:{server.server_port}/hook",
            events=["record.disposed"],
        )
        own_redis.stop()
        with transaction.atomic():  # the enqueue fails after commit, logged, not raised
            webhook_events_emit(event="record.disposed", payloads=[{"record": 1}])
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending"
        assert delivery.attempts == 0
        assert _Receiver.received == []

        own_redis.start()
        counts = job_run(name="retry_webhook_deliveries", now=timezone.now() + timedelta(hours=1))
        assert counts.counts["delivered"] == 1
        delivery.refresh_from_db()
        assert delivery.status == "delivered"
        assert len(_Receiver.received) == 1
    finally:
        server.shutdown()
