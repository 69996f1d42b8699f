"""Agents' internal notes (SPEC §3 `visibility: internal`, issue #20 item 3): kept with the chat,
never a transcript line (page, API, e-mail to the customer, redacted export), never in the
knowledge base; managers and auditors see them in a separate, labelled section.

The note carries a word found nowhere else ("zebrafish") and a VIP remark an agent would never
want a customer or a support colleague searching the KB to read.
"""

import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from chats.models import Message
from knowledgebase.models import ChatKeyword, MessageSentiment
from knowledgebase.selectors.search import kb_search
from knowledgebase.services.analysis import chats_analyse
from redaction.services import chats_redact
from tests.factories import make_chat

pytestmark = pytest.mark.django_db

NOTE = "Zebrafish account, VIP, do not refund again without approval"


@pytest.fixture
def chat():
    chat = make_chat(
        messages=[
            {"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": "My order is late"},
            {
                "sender": "agent",
                "sent_at": "2025-03-01T14:02:30Z",
                "text": NOTE,
                "visibility": "internal",
            },
            {"sender": "agent", "sent_at": "2025-03-01T14:03:00Z", "text": "It ships today"},
        ]
    )
    now = timezone.now()
    chats_redact(now=now)
    chats_analyse(now=now)
    return chat


def test_a_note_never_enters_search_keywords_or_sentiment(chat):
    note = Message.objects.get(chat=chat, visibility="internal")

    assert kb_search(query="zebrafish").count == 0
    assert not ChatKeyword.objects.filter(chat=chat, term__icontains="zebrafish").exists()
    assert not MessageSentiment.objects.filter(message=note).exists()
    assert MessageSentiment.objects.filter(message__chat=chat).exists()  # the others are scored


def test_support_staff_never_see_a_note_on_the_page_or_through_the_api(client, support_user, chat):
    client.force_login(support_user)
    page = client.get(reverse("chat-detail", args=[chat.pk])).content.decode()
    api = client.get(f"/api/v1/chats/{chat.pk}/").json()

    assert "ebrafish" not in page
    assert "Internal notes" not in page
    assert "ebrafish" not in json.dumps(api)
    assert "internal_notes" not in api
    assert [m["position"] for m in api["messages"]] == [0, 2]


@pytest.mark.parametrize("who", ["manager_user", "auditor_user"])
def test_managers_and_auditors_see_notes_apart_and_labelled(client, request, chat, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("chat-detail", args=[chat.pk])).content.decode()
    api = client.get(f"/api/v1/chats/{chat.pk}/").json()

    transcript, _, notes = page.partition("Internal notes")
    assert "ebrafish" not in transcript
    assert "ebrafish" in notes  # the redacted layer, as the transcript above it
    assert [m["position"] for m in api["messages"]] == [0, 2]
    assert [m["position"] for m in api["internal_notes"]] == [1]


def test_the_customer_is_never_sent_a_note(api_client_for, support_user, chat):
    api_client_for(support_user).post(
        f"/api/v1/chats/{chat.pk}/send-transcript/", {}, format="json"
    )

    (sent,) = mail.outbox
    assert "ebrafish" not in sent.body
    assert "ebrafish" not in sent.alternatives[0][0]
    assert "It ships today" in sent.body


def test_a_redacted_export_keeps_the_notes_place_but_not_its_words(tmp_path, chat):
    out = tmp_path / "out.jsonl"
    call_command("export_chats", "--out", str(out), "--redacted")

    (exported,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert [m["visibility"] for m in exported["messages"]] == ["public", "internal", "public"]
    assert "ebrafish" not in out.read_text()
