"""SPEC §3 / R-REC-2: a later copy of a declared chat that differs (a late message, a rating the
source added afterwards) changes nothing in the record: it is a correction annotation, shown to
managers and auditors on the chat page and in the record history, audited, and the declared
transcript still verifies."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from chats.interchange import chat_payload_from_dict
from chats.models import ChatCorrection, Message
from chats.services.import_batch import chat_import_outcome
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected(declared_chat):
    data = chat_dict(external_id="lc-declared")
    chat = declared_chat(
        **{k: v for k, v in data.items() if k != "external_id"}, external_id="lc-declared"
    )
    assert chat.locked_at is not None
    later = {
        **data,
        "messages": [
            *data["messages"],
            {"sender": "agent", "sent_at": data["ended_at"], "text": "Late line from Ana Silva"},
        ],
    }
    later["survey"] = {**data["survey"], "rating": 1}
    _, outcome = chat_import_outcome(payload=chat_payload_from_dict(later))
    assert outcome == "correction"
    return chat


def test_the_record_is_unchanged_and_still_verifies(corrected):
    assert Message.objects.filter(chat=corrected).count() == 3
    corrected.survey.refresh_from_db()
    assert corrected.survey.rating == 4
    out = io.StringIO()
    call_command("verify_transcripts", stdout=out, stderr=out)  # exit 0: nothing tampered


def test_managers_see_the_correction_on_the_chat_page_and_in_the_record_history(
    client, manager_user, corrected
):
    client.force_login(manager_user)
    page = client.get(reverse("chat-detail", args=[corrected.pk])).content.decode()
    history = client.get(f"/api/v1/records/{corrected.record.pk}/history/").json()

    assert "Corrections received after declaration" in page
    assert "messages: 1 new, survey.rating" in page
    assert "Ana Silva" not in str(ChatCorrection.objects.get().differences)
    rows = history if isinstance(history, list) else history.get("results", history.get("history"))
    assert any(row["type"] == "chat.correction_received" for row in rows)


def test_support_staff_do_not_see_corrections(client, support_user, corrected):
    client.force_login(support_user)
    page = client.get(reverse("chat-detail", args=[corrected.pk])).content.decode()
    assert "Corrections received" not in page
