"""Outbound webhooks never reach the machine's own network (SSRF, issue #13 item 6): a target on a
loopback, private, link-local, multicast, reserved or unspecified address, written in any form
(decimal, octal, IPv6-mapped) or reached through a name that resolves there, is refused when the
subscription is created or changed (API, admin) with a clear 400, and again at delivery time,
after a fresh DNS look-up: such a delivery is not sent, it is marked failed with the reason, and
it is not retried. WEBHOOK_ALLOW_PRIVATE_TARGETS=true lifts the rule (for on-premises CRMs).
DNS is the boundary: `targets.getaddrinfo` is replaced by a table."""

import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from outbox import delivery as sending
from outbox import targets
from outbox.delivery import webhook_deliveries_retry, webhook_delivery_attempt
from outbox.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from outbox.services import webhook_event_emit, webhook_subscription_create
from tests.conftest import PASSWORD

LIST = "/api/v1/integrations/webhooks/"
PUBLIC = "93.184.215.14"

INTERNAL_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://2852039166/",  # 169.254.169.254 as one decimal number
    "http://0251.0376.0251.0376/",  # the same in octal
    "http://0xa9fea9fe/",  # and in hexadecimal
    "http://127.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:169.254.169.254]/hook",  # IPv6-mapped IPv4
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[ff02::1]/hook",
    "http://[::]/hook",
    "http://metadata.internal.example/hook",  # a name that resolves to 169.254.169.254
    "http://mixed.example/hook",  # one public and one private address
    "https://crm.example.com@10.0.0.5/hook",  # userinfo: the host is 10.0.0.5
]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The names the resolver knows; any other name does not resolve."""
    table = {
        "crm.example.com": [PUBLIC],
        "metadata.internal.example": ["169.254.169.254"],
        "mixed.example": [PUBLIC, "10.1.2.3"],
        "localhost": ["127.0.0.1", "::1"],
    }

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port or 80),
            )
            for address in table[host]
        ]

    monkeypatch.setattr(targets, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def no_http(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    class Response:
        status_code = 200

    def post(url: str, **kwargs: Any) -> Response:
        sent.append({"url": url, **kwargs})
        return Response()

    monkeypatch.setattr(sending.requests, "post", post)
    return sent


@pytest.mark.django_db
@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_api_refuses_a_subscription_to_an_internal_address(
    manager_api: Any, dns: dict[str, list[str]], url: str
) -> None:
    response = manager_api.post(
        LIST, {"name": "CRM", "url": url, "events": ["chat.closed"]}, format="json"
    )
    assert response.status_code == 400, response.content
    extra = response.json()["extra"]
    # Refused by the target rule, or already by URL validation (odd IPv4 forms): on `url`.
    assert extra.get("field") == "url" or "url" in extra.get("fields", {})
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_api_accepts_a_public_target(manager_api: Any, dns: dict[str, list[str]]) -> None:
    response = manager_api.post(
        LIST,
        {"name": "CRM", "url": "https://crm.example.com/hook", "events": ["chat.closed"]},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://nowhere.example/hook", "ftp://crm.example.com/hook"])
def test_api_refuses_a_target_that_does_not_resolve_or_is_not_http(
    manager_api: Any, dns: dict[str, list[str]], url: str
) -> None:
    response = manager_api.post(
        LIST, {"name": "CRM", "url": url, "events": ["chat.closed"]}, format="json"
    )
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_api_refuses_changing_a_subscription_to_an_internal_address(
    manager_api: Any, manager_user: User, dns: dict[str, list[str]]
) -> None:
    subscription = webhook_subscription_create(
        name="CRM",
        url="https://crm.example.com/hook",
        events=["chat.closed"],
        created_by=manager_user,
    )
    response = manager_api.patch(
        f"{LIST}{subscription.pk}/", {"url": "http://169.254.169.254/"}, format="json"
    )
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.url == "https://crm.example.com/hook"


@pytest.mark.django_db
def test_admin_refuses_a_subscription_to_an_internal_address(
    admin_user: User, dns: dict[str, list[str]]
) -> None:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    response = client.post(
        "/admin/outbox/webhooksubscription/add/",
        {"name": "CRM", "url": "http://169.254.169.254/latest/", "events": '["chat.closed"]'},
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"169.254.169.254" in response.content
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_private_targets_are_allowed_when_configured(
    manager_api: Any, settings: Any, dns: dict[str, list[str]], no_http: list[dict[str, Any]]
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    response = manager_api.post(
        LIST,
        {"name": "CRM", "url": "http://10.0.0.5/hook", "events": ["chat.closed"]},
        format="json",
    )
    assert response.status_code == 201
    (delivery_id,) = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    webhook_delivery_attempt(delivery_id=delivery_id)
    assert [call["url"] for call in no_http] == ["http://10.0.0.5/hook"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def _subscribed_then_repointed(manager_user: User, url: str) -> int:
    """A subscription accepted while its name was public, and one event for it."""
    webhook_subscription_create(
        name="CRM",
        url="https://crm.example.com/hook",
        events=["chat.closed"],
        created_by=manager_user,
    )
    # Stored directly, as an older row or a changed DNS record leaves it.
    WebhookSubscription.objects.update(url=url)
    (delivery_id,) = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    return delivery_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://[::1]/"]
)
def test_delivery_to_an_internal_address_is_not_sent_and_fails_without_retry(
    manager_user: User, dns: dict[str, list[str]], no_http: list[dict[str, Any]], url: str
) -> None:
    delivery_id = _subscribed_then_repointed(manager_user, url)
    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    assert no_http == []
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.FAILED
    assert outcome.retry_in is None
    assert delivery.next_attempt_at is None
    assert "refused" in delivery.last_error
    assert delivery.delivered_at is None
    # The retry job does not pick it up again.
    assert delivery.last_attempt_at is not None
    assert webhook_deliveries_retry(now=delivery.last_attempt_at)["attempted"] == 0
    assert no_http == []


@pytest.mark.django_db
def test_delivery_re_resolves_the_name_and_refuses_when_it_now_points_inside(
    manager_user: User, dns: dict[str, list[str]], no_http: list[dict[str, Any]]
) -> None:
    webhook_subscription_create(
        name="CRM",
        url="https://crm.example.com/hook",
        events=["chat.closed"],
        created_by=manager_user,
    )
    dns["crm.example.com"] = ["10.0.0.7"]  # DNS rebinding after the check at creation
    (delivery_id,) = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    webhook_delivery_attempt(delivery_id=delivery_id)
    assert no_http == []
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == DeliveryStatus.FAILED
    assert "10.0.0.7" in delivery.last_error


@pytest.mark.django_db
def test_delivery_to_a_public_address_is_sent_without_following_redirects(
    manager_user: User, dns: dict[str, list[str]], no_http: list[dict[str, Any]]
) -> None:
    webhook_subscription_create(
        name="CRM",
        url="https://crm.example.com/hook",
        events=["chat.closed"],
        created_by=manager_user,
    )
    (delivery_id,) = webhook_event_emit(event="chat.closed", payload={"chat": {"id": 1}})
    webhook_delivery_attempt(delivery_id=delivery_id)
    assert [call["url"] for call in no_http] == ["https://crm.example.com/hook"]
    assert no_http[0]["allow_redirects"] is False
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://8.8.8.8/", False),
        ("https://[2606:4700::1111]/", False),
        ("http://[::ffff:10.0.0.1]/", True),
        ("http://[2002:a9fe:a9fe::1]/", True),  # 6to4 around 169.254.169.254
        ("http://017700000001/", True),  # 127.0.0.1 in octal
        ("http://127.0.0.1./", True),
    ],
)
def test_target_rule_reads_every_address_form(
    url: str, refused: bool, dns: dict[str, list[str]], settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    reason: Callable[..., str | None] = targets.webhook_target_refusal
    assert (reason(url=url) is not None) is refused
