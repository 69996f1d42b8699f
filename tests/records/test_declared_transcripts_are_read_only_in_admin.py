"""Issue #12 item 3: a superuser rewrote a message of a declared record under legal hold in the
Django admin — no audit, no history, and the new text showed everywhere. A declared transcript
(messages, survey, the chat and its customer's identity) is read-only in every admin, also for
superusers, and the original text shown there is audited like any other view of it."""

import pytest
from django.test import Client

from audit.models import AuditEvent
from chats.models import Chat, Customer, Message, Survey
from tests.conftest import PASSWORD
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    return client


def _message_form(message: Message, text: str) -> dict[str, str]:
    return {
        "chat": str(message.chat_id),
        "position": str(message.position),
        "sender": message.sender,
        "agent": str(message.agent_id or ""),
        "author_name": message.author_name,
        "sent_at_0": message.sent_at.strftime("%Y-%m-%d"),
        "sent_at_1": message.sent_at.strftime("%H:%M:%S"),
        "text": text,
        "text_redacted": text,
        "original_purged_at_0": "",
        "original_purged_at_1": "",
    }


def test_superuser_cannot_rewrite_a_declared_message(admin_client_, declared_chat):
    chat = declared_chat()
    message = chat.messages.get(position=0)
    before = (message.text, message.text_redacted)

    response = admin_client_.post(
        f"/admin/chats/message/{message.pk}/change/", _message_form(message, "rewritten")
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.text, message.text_redacted) == before


def test_superuser_cannot_delete_a_declared_message(admin_client_, declared_chat):
    chat = declared_chat()
    message = chat.messages.get(position=1)

    admin_client_.post(f"/admin/chats/message/{message.pk}/delete/", {"post": "yes"})
    admin_client_.post(
        "/admin/chats/message/",
        {"action": "delete_selected", "_selected_action": [str(message.pk)], "post": "yes"},
    )

    assert Message.objects.filter(pk=message.pk).exists()
    assert chat.messages.count() == 3


def test_superuser_cannot_change_or_delete_a_declared_survey(admin_client_, declared_chat):
    chat = declared_chat()
    survey = chat.survey
    response = admin_client_.post(
        f"/admin/chats/survey/{survey.pk}/change/",
        {"chat": str(chat.pk), "rating": "1", "resolved": "false", "comment": "awful"},
    )
    assert response.status_code == 403
    admin_client_.post(f"/admin/chats/survey/{survey.pk}/delete/", {"post": "yes"})
    survey = Survey.objects.get(pk=survey.pk)
    assert (survey.rating, survey.comment) == (4, "quick")


def test_superuser_cannot_change_or_delete_a_declared_chat(admin_client_, declared_chat):
    chat = declared_chat()
    ended = chat.ended_at
    response = admin_client_.post(
        f"/admin/chats/chat/{chat.pk}/change/",
        {
            "source": chat.source,
            "external_id": chat.external_id,
            "started_at_0": "2020-01-01",
            "started_at_1": "00:00:00",
            "ended_at_0": "2020-01-01",
            "ended_at_1": "00:10:00",
            "country": "US",
            "country_source": "source_system",
            "country_confidence": "1",
            "tags": "[]",
        },
    )
    assert response.status_code == 403
    admin_client_.post(f"/admin/chats/chat/{chat.pk}/delete/", {"post": "yes"})
    chat = Chat.objects.get(pk=chat.pk)
    assert chat.ended_at == ended
    assert chat.country == "CA"


def test_superuser_cannot_rewrite_the_identity_of_a_declared_chats_customer(
    admin_client_, declared_chat
):
    chat = declared_chat()
    customer = chat.customer
    response = admin_client_.post(
        f"/admin/chats/customer/{customer.pk}/change/",
        {
            "source": customer.source,
            "external_id": customer.external_id,
            "name": "Someone Else",
            "email": "else@example.com",
            "phone": "",
        },
    )
    assert response.status_code == 403
    admin_client_.post(f"/admin/chats/customer/{customer.pk}/delete/", {"post": "yes"})
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.name == "Ana Silva"


def test_viewing_a_declared_message_in_the_admin_shows_it_read_only_and_is_audited(
    admin_client_, admin_user, declared_chat
):
    chat = declared_chat()
    message = chat.messages.get(position=0)

    response = admin_client_.get(f"/admin/chats/message/{message.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    event = AuditEvent.objects.get(action="chat.original_viewed")
    assert event.actor_id == admin_user.pk
    assert event.target_id == str(chat.pk)
    assert event.data["via"] == "admin"


def test_viewing_a_survey_comment_in_the_admin_is_audited(admin_client_, declared_chat):
    chat = declared_chat()
    admin_client_.get(f"/admin/chats/survey/{chat.survey.pk}/change/")
    assert AuditEvent.objects.filter(action="chat.original_viewed", data__via="admin").exists()


def test_an_undeclared_transcript_stays_editable(admin_client_, file_plan):
    chat = make_chat(ended_at=None)
    message = chat.messages.get(position=0)
    response = admin_client_.post(
        f"/admin/chats/message/{message.pk}/change/", _message_form(message, "typo fixed")
    )
    assert response.status_code == 302, response.content[:2000]
    message.refresh_from_db()
    assert message.text == "typo fixed"
    assert not Chat.objects.get(pk=chat.pk).locked_at
