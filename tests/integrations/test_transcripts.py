"""Transcript email (R-CHAT-5): to the customer's own address only, both bodies, audited."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from core.roles import Role
from tests.factories import make_chat

URL = "/api/v1/chats/{}/send-transcript/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPPORT_STAFF, Role.RECORDS_MANAGER])
def test_agent_emails_customer_the_original_transcript(role, make_user, api_client_for):
    chat = make_chat()
    response = api_client_for(make_user(role)).post(
        URL.format(chat.pk), {"to": "attacker@evil.example"}, format="json"
    )
    assert response.status_code == 202, response.content
    (sent,) = mail.outbox
    assert sent.to == [chat.customer.email]  # a typed address is ignored
    assert "Hi, my card was charged twice" in sent.body  # original text, not redacted
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert "Sorry to hear that!" in html
    event = AuditEvent.objects.get(action="chat.transcript_sent")
    assert event.target_id == str(chat.pk)
    assert event.data == {"messages": 3}
    assert chat.customer.email not in str(event.data)


@pytest.mark.django_db
def test_auditor_cannot_send(auditor_api):
    chat = make_chat()
    assert auditor_api.post(URL.format(chat.pk)).status_code == 403
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="chat.transcript_sent").exists()


@pytest.mark.django_db
def test_chat_without_customer_email_is_refused(support_api):
    chat = make_chat(customer={"external_id": "c-x", "name": "No Mail"})
    response = support_api.post(URL.format(chat.pk))
    assert response.status_code == 400
    assert "no customer email" in response.json()["message"]
    assert mail.outbox == []


@pytest.mark.django_db
def test_page_button_sends_and_auditor_gets_403(client, support_user, auditor_user):
    chat = make_chat()
    client.force_login(support_user)
    page = client.get(f"/chats/{chat.pk}/")
    assert b"Email the transcript to the customer" in page.content
    response = client.post(f"/chats/{chat.pk}/send-transcript/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    client.force_login(auditor_user)
    assert b"Email the transcript" not in client.get(f"/chats/{chat.pk}/").content
    assert client.post(f"/chats/{chat.pk}/send-transcript/").status_code == 403
    assert len(mail.outbox) == 1
