"""A customer email carrying a header (`\\r\\nBcc: …`) must never reach the mailer (issue #13,
item 2): it is refused at import with its line and field (Django's email validator), and a
chat already stored with such an address gets a clear 4xx from the transcript API and an error
message on the page; nothing is sent and nothing is audited as sent. A mail server that fails
is a clear refusal too, never a 500."""

import json
import smtplib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from rest_framework.test import APIClient

from audit.models import AuditEvent
from chats.models import Chat, Customer
from tests.factories import chat_dict, make_chat

URL = "/api/v1/chats/{}/send-transcript/"
INJECTED = [
    "ana@example.com\r\nBcc: everyone@evil.example",
    "ana@example.com\nBcc: everyone@evil.example",
    "ana@example.com\rCc: x@evil.example",
    "ana@example.com, other@evil.example",
    "Ana <ana@example.com>",
    "ana@@example.com",
    "ana@example",
]


@pytest.mark.django_db
@pytest.mark.parametrize("email", INJECTED)
def test_import_rejects_an_invalid_customer_email_with_its_line_and_field(
    tmp_path: Path, email: str
) -> None:
    good = chat_dict()
    bad = chat_dict()
    bad["customer"]["email"] = email
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("import_chats", str(path), stdout=StringIO(), stderr=err)
    assert ":2: rejected: customer.email" in err.getvalue()
    assert list(Chat.objects.values_list("external_id", flat=True)) == [good["external_id"]]
    assert not Customer.objects.filter(email=email).exists()


@pytest.mark.django_db
def test_api_ingest_refuses_an_injected_customer_email(admin_api: APIClient) -> None:
    payload = chat_dict()
    payload["customer"]["email"] = INJECTED[0]
    response = admin_api.post("/api/v1/chats/", payload, format="json")
    assert response.status_code == 400
    assert "customer.email" in json.dumps(response.json())
    assert not Chat.objects.exists()


@pytest.fixture
def stored_with_injection() -> Chat:
    """A chat imported before the check existed: the bad address is already in the database."""
    chat = make_chat()
    assert chat.customer_id is not None
    Customer.objects.filter(pk=chat.customer_id).update(email=INJECTED[0])
    return chat


@pytest.mark.django_db
def test_transcript_api_refuses_an_injected_address_with_a_400(
    support_api: APIClient, stored_with_injection: Chat
) -> None:
    support_api.raise_request_exception = False
    response = support_api.post(URL.format(stored_with_injection.pk))
    assert response.status_code == 400, response.content
    body = response.json()
    assert "email address" in body["message"]
    assert "evil.example" not in json.dumps(body)  # the address itself is not echoed
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="chat.transcript_sent").exists()


@pytest.mark.django_db
def test_transcript_page_shows_an_error_for_an_injected_address(
    client: Any, support_user: Any, stored_with_injection: Chat
) -> None:
    client.raise_request_exception = False
    client.force_login(support_user)
    response = client.post(f"/chats/{stored_with_injection.pk}/send-transcript/", follow=True)
    assert response.status_code == 200
    assert b"email address" in response.content
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="chat.transcript_sent").exists()


@pytest.mark.django_db
def test_a_failing_mail_server_is_a_clear_refusal_not_a_500(
    support_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat()

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    support_api.raise_request_exception = False
    response = support_api.post(URL.format(chat.pk))
    assert response.status_code in (502, 503), response.content
    assert "not sent" in response.json()["message"]
    assert not AuditEvent.objects.filter(action="chat.transcript_sent").exists()
