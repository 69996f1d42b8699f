"""Hold notices (issue #16 item 7): custodians are e-mailed when a hold is placed and when it is
released, and their acknowledgements are recorded once, by their own link only."""

import re

import pytest
from django.core import mail

from audit.models import AuditEvent
from retention.models import HoldCustodian, LegalHold
from retention.services.holds import legal_hold_place, legal_hold_release

pytestmark = pytest.mark.django_db

HOLD = {
    "matter": "Okafor v. Northwind",
    "reference": "LIT-2031-17",
    "reason": "litigation",
    "scope": {"customer_emails": ["customer.person@example.com"]},
}


def _link(message) -> str:
    found = re.search(r"http\S+/holds/acknowledge/(\S+)/", message.body)
    assert found is not None, message.body
    return found.group(0)


def test_an_invalid_custodian_address_is_named_and_no_hold_is_placed(manager_api):
    response = manager_api.post(
        "/api/v1/legal-holds/",
        {**HOLD, "custodians": ["legal@example.com", "not an address"]},
        format="json",
    )
    assert response.status_code == 400
    assert "not an address" in response.json()["message"]
    assert not LegalHold.objects.exists()
    assert mail.outbox == []


def test_the_notice_names_the_matter_but_no_personal_value_of_the_scope(
    manager_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        legal_hold_place(issued_by=manager_user, custodians=["Legal@Example.com"], **HOLD)
    (message,) = mail.outbox
    assert message.to == ["legal@example.com"]
    assert "Okafor v. Northwind" in message.subject
    assert "customer.person@example.com" not in message.body
    assert HoldCustodian.objects.get().notified_at is not None


def test_a_wrong_token_acknowledges_nothing_and_a_replay_keeps_the_first_moment(
    client, manager_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        legal_hold_place(
            issued_by=manager_user, custodians=["a@example.com", "b@example.com"], **HOLD
        )
    assert client.post("/holds/acknowledge/guessed-token/").status_code == 404
    assert not HoldCustodian.objects.filter(acknowledged_at__isnull=False).exists()
    path = _link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    assert not HoldCustodian.objects.filter(acknowledged_at__isnull=False).exists()
    client.post(f"/{path}")
    first = HoldCustodian.objects.get(email=mail.outbox[0].to[0]).acknowledged_at
    client.post(f"/{path}")
    assert HoldCustodian.objects.get(email=mail.outbox[0].to[0]).acknowledged_at == first
    assert HoldCustodian.objects.filter(acknowledged_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="hold.acknowledged").count() == 1


def test_release_notifies_every_custodian_once_and_the_api_shows_the_acknowledgements(
    manager_api, manager_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post(
            "/api/v1/legal-holds/", {**HOLD, "custodians": ["a@example.com"]}, format="json"
        )
    assert response.status_code == 201
    body = response.json()
    assert [c["email"] for c in body["custodians"]] == ["a@example.com"]
    hold = LegalHold.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        legal_hold_release(hold=hold, released_by=manager_user, reason="settled")
    assert [m.subject for m in mail.outbox] == [
        "Legal hold: Okafor v. Northwind",
        "Legal hold released: Okafor v. Northwind",
    ]
    detail = manager_api.get(f"/api/v1/legal-holds/{hold.pk}/").json()
    assert detail["custodians"][0]["release_notified_at"] is not None
    assert detail["custodians"][0]["acknowledged_at"] is None
