"""Chatwoot documents from Chatwoot's own documentation and code (issue #20, items 1, 2, 3, 5).

Origins (see fixtures/README.md): chatwoot/docs `docs/product/others/webhook-events.md`
(conversation_resolved, conversation_status_changed and message_created samples); attachment
keys from chatwoot/chatwoot `app/models/attachment.rb` (`push_event_data`); the CSAT answer shape
(`submitted_values.csat_survey_response`) from the Chatwoot widget's message update.

Flows are signed the way Chatwoot signs (`X-Chatwoot-Signature`, `X-Chatwoot-Timestamp`).
The reopen and CSAT flows rely on SPEC §3's update rule: a later copy completes the chat.
"""

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat
from integrations.importers import chatwoot
from integrations.inbound_copies import chat_full_copy
from integrations.models import InboundEvent
from tests.integrations.importing import transcript_texts

FIXTURES = Path(__file__).parent / "fixtures" / "chatwoot"
URL = "/api/v1/integrations/chatwoot/webhook/"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def _post(client: Any, name: str) -> Any:
    body = (FIXTURES / name).read_bytes()
    ts = str(int(time.time()))
    digest = hmac.new(b"cw-secret", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_CHATWOOT_TIMESTAMP=ts,
        HTTP_X_CHATWOOT_SIGNATURE=f"sha256={digest}",
    )


@pytest.fixture
def secret_set(settings: Any) -> None:
    settings.CHATWOOT_WEBHOOK_SECRET = "cw-secret"


def _reopen_flow(client: Any) -> list[Any]:
    return [
        _post(client, name)
        for name in (
            "1_conversation_resolved.json",
            "2_conversation_reopened.json",
            "3_message_created_after_reopen.json",
            "4_conversation_resolved_again.json",
        )
    ]


@pytest.mark.django_db
def test_no_event_after_the_resolution_is_answered_already_present(client, secret_set):
    responses = _reopen_flow(client)
    assert [r.status_code for r in responses] == [201, 200, 200, 200]
    for response in responses[1:]:
        assert "ignored" not in response.json()
        assert response.json()["copy"] == "passed to the import (update rule)"
    assert not InboundEvent.objects.exists()  # nothing is held for an imported chat
    assert Chat.objects.filter(source="chatwoot", external_id="10").count() == 1


@pytest.mark.django_db
def test_the_copy_passed_after_reopening_holds_the_old_and_the_new_message(client, secret_set):
    assert _post(client, "1_conversation_resolved.json").status_code == 201
    newer = chatwoot.payload_to_chat(_load("3_message_created_after_reopen.json"))
    copy = chat_full_copy(newer)
    texts = [m["text"] for m in copy["messages"]]
    assert texts[0] == "Get notified by email"  # the stored message is not lost
    assert texts[-1] == "One more thing: the invoice address is wrong"
    assert copy["messages"][-1]["external_id"] == "130"
    assert copy["ended_at"] == "2021-07-23T18:05:20Z"  # not reopened-and-forgotten


@pytest.mark.django_db
def test_resolved_reopened_new_message_resolved_again_keeps_the_new_message(client, secret_set):
    _reopen_flow(client)
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert "One more thing: the invoice address is wrong" in transcript_texts(chat)
    assert chat.ended_at.timestamp() == 1627063700  # the second resolution


def test_csat_answer_sent_as_message_updated_is_the_survey():
    chat = chatwoot.payload_to_chat(_load("csat_message_updated_after_resolution.json"))
    assert chat["survey"] == {"rating": 5, "comment": "Quick and clear, thank you"}
    assert chat["ended_at"] == "2021-07-23T18:05:20Z"  # the conversation says resolved


@pytest.mark.django_db
def test_csat_after_the_resolution_is_passed_to_the_import_not_held(client, secret_set):
    assert _post(client, "1_conversation_resolved.json").status_code == 201
    response = _post(client, "csat_message_updated_after_resolution.json")
    assert response.status_code == 200
    assert response.json()["copy"] == "passed to the import (update rule)"
    assert not InboundEvent.objects.exists()  # held forever before: never applied


@pytest.mark.django_db
def test_csat_after_the_resolution_is_stored(client, secret_set):
    _post(client, "1_conversation_resolved.json")
    _post(client, "csat_message_updated_after_resolution.json")
    survey = Chat.objects.get(source="chatwoot", external_id="10").survey
    assert (survey.rating, survey.comment) == (5, "Quick and clear, thank you")


@pytest.mark.django_db
def test_csat_held_before_the_resolution_is_applied_at_the_resolution(client, secret_set):
    assert _post(client, "csat_message_updated_after_resolution.json").status_code == 202
    assert _post(client, "1_conversation_resolved.json").status_code == 201
    survey = Chat.objects.get(source="chatwoot", external_id="10").survey
    assert (survey.rating, survey.comment) == (5, "Quick and clear, thank you")


def test_private_note_is_an_internal_message():
    chat = chatwoot.payload_to_chat(_load("message_created_private_note.json"))
    note = next(m for m in chat["messages"] if m["external_id"] == "132")
    assert (note["sender"], note["visibility"]) == ("agent", "internal")
    assert all(m["visibility"] == "public" for m in chat["messages"] if m is not note)


@pytest.mark.django_db
def test_private_note_never_reaches_the_transcript(client, secret_set):
    assert _post(client, "message_created_private_note.json").status_code == 202
    assert _post(client, "1_conversation_resolved.json").status_code == 201
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert all("rude" not in text for text in transcript_texts(chat))
    assert len(transcript_texts(chat)) == 1
    assert chat.messages.filter(visibility="internal").count() == 1


def test_attachment_only_message_keeps_its_attachment():
    chat = chatwoot.payload_to_chat(_load("message_created_attachment_only.json"))
    message = next(m for m in chat["messages"] if m["external_id"] == "131")
    assert message["text"] == ""
    assert message["attachments"] == [
        {
            "name": "receipt.png",
            "content_type": "image/png",
            "size": 48213,
            "url": "https://app.chatwoot.com/rails/active_storage/blobs/redirect/eyJfcmFpbHMi/receipt.png",
        }
    ]


@pytest.mark.django_db
def test_attachment_only_message_is_not_stored_empty(client, secret_set):
    assert _post(client, "message_created_attachment_only.json").status_code == 202
    assert _post(client, "1_conversation_resolved.json").status_code == 201
    texts = transcript_texts(Chat.objects.get(source="chatwoot"))
    assert "" not in texts
    assert any("receipt.png" in text for text in texts)


def test_unmapped_fields_of_a_conversation_are_named():
    found = chatwoot.chatwoot_unmapped(_load("1_conversation_resolved.json"))
    assert {"additional_attributes", "can_reply", "messages[].status"} <= found
    assert "meta" not in found
