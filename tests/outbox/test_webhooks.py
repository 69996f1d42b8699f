"""Outbound webhooks against a real HTTP receiver on loopback (http.server in a thread)."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.roles import Role
from outbox.delivery import webhook_backoff_seconds, webhook_deliveries_retry
from outbox.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from outbox.services import webhook_event_emit, webhook_subscription_create
from outbox.signing import signature_verify
from tests.factories import TOKEN_AUTH_QUERIES, make_chat


class Receiver:
    """Answers with the queued status codes (then 200) and keeps every request."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "path": self.path}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/crm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, index: int, secret: str) -> bool:
        request = self.requests[index]
        headers = request["headers"]
        return signature_verify(
            secret=secret,
            timestamp=headers["X-ChatRecords-Timestamp"],
            body=request["body"],
            signature=headers["X-ChatRecords-Signature"],
            now=time.time(),
        )


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # The receiver listens on loopback, which webhooks refuse unless this is set.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def subscription(receiver: Receiver, manager_user) -> WebhookSubscription:
    return webhook_subscription_create(
        name="CRM", url=receiver.url, events=["chat.closed"], created_by=manager_user
    )


@pytest.mark.django_db(transaction=True)
def test_receiver_gets_a_correctly_signed_chat_closed(receiver, subscription):
    chat = make_chat()  # imported already closed: the import hook emits chat.closed
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["headers"]["X-ChatRecords-Event"] == "chat.closed"
    assert receiver.verified(0, subscription.secret)
    assert not receiver.verified(0, "another-secret")
    body = json.loads(request["body"])
    assert body["event"] == "chat.closed"
    assert body["data"]["chat"]["id"] == chat.pk
    assert body["data"]["chat"]["external_id"] == chat.external_id
    assert "Ana" not in request["body"].decode()  # no names, no message text
    assert "charged" not in request["body"].decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )


@pytest.mark.django_db(transaction=True)
def test_two_500s_then_the_third_try_delivers(receiver, subscription, settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 60
    receiver.statuses = [500, 500]
    make_chat()  # first try, on commit: 500
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=60)

    # nothing is re-sent before the back-off runs out
    assert webhook_deliveries_retry(now=delivery.next_attempt_at - timedelta(seconds=1)) == {
        "attempted": 0,
        "delivered": 0,
        "failed": 0,
        "retrying": 0,
    }
    second = webhook_deliveries_retry(now=delivery.next_attempt_at)  # 500 again
    delivery.refresh_from_db()
    assert (second["retrying"], delivery.attempts) == (1, 2)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=120)
    third = webhook_deliveries_retry(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert third["delivered"] == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
    )
    assert len(receiver.requests) == 3
    ids = {r["headers"]["X-ChatRecords-Delivery"] for r in receiver.requests}
    assert len(ids) == 1  # the same event id on every retry: receivers de-duplicate on it
    assert all(receiver.verified(i, subscription.secret) for i in range(3))
    # settled: a re-run sends nothing more
    assert (
        webhook_deliveries_retry(now=delivery.last_attempt_at + timedelta(days=1))["attempted"] == 0
    )
    assert len(receiver.requests) == 3


@pytest.mark.django_db(transaction=True)
def test_worker_task_retries_with_celery_countdown(receiver, subscription, settings, monkeypatch):
    from outbox.tasks import webhook_deliver_task

    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 45
    receiver.statuses = [500]
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="chat.closed", event_id="0" * 32, body="{}"
    )
    asked: list[float] = []

    class Retried(Exception):
        pass

    def retry(**options: Any) -> Exception:  # Celery's side of the boundary
        asked.append(options["countdown"])
        return Retried()

    monkeypatch.setattr(webhook_deliver_task, "retry", retry)
    webhook_deliver_task.push_request(is_eager=False)
    try:
        with pytest.raises(Retried):
            webhook_deliver_task.run(delivery_id=delivery.pk)
    finally:
        webhook_deliver_task.pop_request()
    assert asked == [45]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)


@pytest.mark.django_db(transaction=True)
def test_gives_up_after_max_attempts(receiver, subscription, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [503] * 10
    make_chat()
    for _ in range(5):
        delivery = WebhookDelivery.objects.get()
        webhook_deliveries_retry(
            now=(delivery.next_attempt_at or delivery.created_at) + timedelta(hours=1)
        )
    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        3,
        "HTTP 503",
    )


def test_backoff_is_exponential_from_the_configured_base(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    assert [webhook_backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


@pytest.mark.django_db
def test_retry_is_scheduled_with_backoff_when_not_eager(
    subscription, settings, django_capture_on_commit_callbacks
):
    from outbox.delivery import webhook_delivery_attempt

    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    subscription.url = "http://127.0.0.1:9/closed-port"
    subscription.save()
    with django_capture_on_commit_callbacks(execute=False):
        (delivery_id,) = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert outcome.retry_in == 30
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=30)
    assert "ConnectionError" in delivery.last_error


@pytest.mark.django_db
def test_emit_is_only_for_subscribers_and_waits_for_commit(
    subscription, manager_user, django_capture_on_commit_callbacks
):
    webhook_subscription_create(
        name="DSR", url="http://127.0.0.1:9/", events=["dsr.completed"], created_by=manager_user
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = webhook_event_emit(event="record.disposed", payload={"record": 1})
    assert ids == []
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    assert len(ids) == 1
    assert len(callbacks) == 1  # enqueued on commit, not before
    with pytest.raises(ValueError, match="unknown webhook event"):
        webhook_event_emit(event="chat.opened", payload={})


@pytest.mark.django_db
def test_open_chats_emit_nothing(subscription, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_chat(ended_at=None)
    assert not WebhookDelivery.objects.exists()


def django_capture_on_commit_callbacks_disabled() -> Any:
    """Deliveries stay pending: in a test transaction on_commit never fires."""
    from contextlib import nullcontext

    return nullcontext()


# --- API role matrix ---------------------------------------------------------------------------

LIST = "/api/v1/integrations/webhooks/"


@pytest.mark.django_db
def test_manager_creates_subscription_and_sees_secret_once(manager_api):
    response = manager_api.post(
        LIST,
        {
            "name": "CRM",
            "url": "https://crm.example.com/hook",
            "events": ["chat.closed", "record.disposed"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["secret"]) >= 32
    detail = manager_api.get(f"{LIST}{response.json()['id']}/").json()
    assert "secret" not in detail
    assert detail["events"] == ["chat.closed", "record.disposed"]


@pytest.mark.django_db
def test_unknown_event_is_rejected(manager_api):
    response = manager_api.post(
        LIST,
        {"name": "x", "url": "https://crm.example.com/", "events": ["chat.opened"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["unknown"] == ["chat.opened"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPPORT_STAFF, Role.COMPLIANCE_AUDITOR])
def test_others_cannot_create_or_change_subscriptions(
    role, make_user, api_client_for, subscription
):
    client = api_client_for(make_user(role))
    assert (
        client.post(
            LIST,
            {"name": "x", "url": "https://x.example/", "events": ["chat.closed"]},
            format="json",
        ).status_code
        == 403
    )
    assert (
        client.patch(f"{LIST}{subscription.pk}/", {"is_active": False}, format="json").status_code
        == 403
    )
    assert client.delete(f"{LIST}{subscription.pk}/").status_code == 403
    subscription.refresh_from_db()
    assert subscription.is_active
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.django_db
def test_auditor_reads_subscriptions_and_delivery_log_support_does_not(
    auditor_api, support_api, subscription, django_assert_num_queries
):
    with django_capture_on_commit_callbacks_disabled():
        for _ in range(3):
            webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    auditor_api.get(LIST)  # token and roles cached on the first request's user
    # The table-size estimate of a large list is read once a minute (core/pagination.py).
    auditor_api.get("/api/v1/integrations/webhook-deliveries/")
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2):  # token auth, count, page
        response = auditor_api.get("/api/v1/integrations/webhook-deliveries/")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert {row["status"] for row in response.json()["results"]} == {"pending"}
    assert auditor_api.get(LIST).status_code == 200
    assert support_api.get(LIST).status_code == 403
    assert support_api.get("/api/v1/integrations/webhook-deliveries/").status_code == 403
