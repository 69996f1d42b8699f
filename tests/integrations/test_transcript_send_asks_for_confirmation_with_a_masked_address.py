"""Emailing a transcript takes two steps: a confirmation page with the masked address, then a
POST. A GET never sends, and support staff never see the full address."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from integrations.transcripts import email_masked
from tests.factories import make_chat


def test_email_masked_keeps_only_the_first_letter_and_the_domain():
    assert email_masked("alice@example.com") == "a•••@example.com"
    assert email_masked("") == ""
    assert email_masked("not-an-address") == "•••"


@pytest.mark.django_db
def test_the_chat_page_button_leads_to_a_confirmation_that_sends_nothing(client, support_user):
    chat = make_chat()
    client.force_login(support_user)
    page = client.get(f"/chats/{chat.pk}/").content.decode()
    assert f'href="/chats/{chat.pk}/send-transcript/"' in page
    confirm = client.get(f"/chats/{chat.pk}/send-transcript/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    email = chat.customer.email
    assert email not in body  # never the full address
    assert email_masked(email) in body
    assert 'method="post"' in body
    assert "csrfmiddlewaretoken" in body
    assert "Send the transcript" in body
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="chat.transcript_sent").exists()
    response = client.post(f"/chats/{chat.pk}/send-transcript/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_confirmation_is_refused_to_auditors_and_404s_for_a_missing_chat(
    client, auditor_user, support_user
):
    chat = make_chat()
    client.force_login(auditor_user)
    assert client.get(f"/chats/{chat.pk}/send-transcript/").status_code == 403
    client.force_login(support_user)
    assert client.get("/chats/999999/send-transcript/").status_code == 404
    assert mail.outbox == []
