"""Twilio documents from Twilio's own documentation (issue #20, items 5 and 6).

Origins (see fixtures/README.md): twilio.com/docs/events/event-types/conversations/* (Event
Streams CloudEvents: conversation.added, participant.added, message.added with `Media`
{MediaSid, Filename, ContentType, Size}, conversation-state.updated with `StateUpdated`);
twilio.com/docs/conversations/conversations-webhooks (onMessageAdded `Media` {Sid, Filename,
ContentType, Size}; onConversationStateUpdated with StateUpdated and no DateCreated);
twilio/twilio-oai REST examples in shared/formats/twilio_conversations (separate files).
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat
from integrations.importers import twilio
from integrations.inbound import twilio_signature
from integrations.inbound_twilio import _message, cloud_event_form
from integrations.models import InboundEvent
from tests.integrations.conftest import FORMATS
from tests.integrations.importing import import_sample, transcript_texts

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
WEBHOOK = "/api/v1/integrations/twilio/webhook/"
EVENTS = "/api/v1/integrations/twilio/events/"
HOST = "https://records.example.com"
SID = "CHee95cfd541a925a3337fec19a0200009"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


@pytest.fixture
def token_set(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = "tw-token"
    settings.TWILIO_WEBHOOK_URL = HOST + WEBHOOK
    settings.TWILIO_EVENTS_URL = HOST + EVENTS


def _form_post(client: Any, form: dict[str, str]) -> Any:
    signature = twilio_signature(auth_token="tw-token", url=HOST + WEBHOOK, params=form)
    return client.post(WEBHOOK, form, HTTP_X_TWILIO_SIGNATURE=signature)


def _events_post(client: Any, name: str, *, tamper: bool = False) -> Any:
    body = (FIXTURES / name).read_bytes()
    query = f"bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = twilio_signature(auth_token="tw-token", url=f"{HOST}{EVENTS}?{query}", params={})
    sent = body.replace(b"Ahoy!", b"Hacked") if tamper else body
    return client.post(
        f"{EVENTS}?{query}",
        sent,
        content_type="application/json",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_media_with_documented_keys_is_an_attachment():
    form = _load("webhook_onMessageAdded_media_only.json")
    bundle = twilio.Bundle(number=1, conversation=None, messages=[_message(form)])
    (message,) = twilio.bundle_to_chat(bundle)["messages"]
    assert message["text"] == ""
    assert message["attachments"] == [
        {
            "name": "receipt.jpg",
            "content_type": "image/jpeg",
            "size": 48213,
            "url": "",
            "external_id": "ME00000000000000000000000000000001",
        }
    ]


@pytest.mark.django_db
def test_state_updated_without_date_created_closes_and_imports_the_held_events(client, token_set):
    media = _load("webhook_onMessageAdded_media_only.json")
    closed = _load("webhook_onConversationStateUpdated.json")
    assert _form_post(client, media).status_code == 202
    response = _form_post(client, closed)
    assert response.status_code == 201, response.content  # was 400: DateCreated missing
    assert not InboundEvent.objects.exists()  # nothing held forever
    chat = Chat.objects.get(source="twilio", external_id=closed["ConversationSid"])
    assert chat.ended_at.isoformat() == "2025-01-01T00:20:00+00:00"  # StateUpdated
    assert chat.started_at.isoformat() == "2025-01-01T00:00:00+00:00"  # the held message
    assert transcript_texts(chat) == ["[attachment: receipt.jpg, image/jpeg]"]


def test_cloud_event_reads_as_the_webhook_parameters():
    message = _load("event_streams_batch_open.json")[2]
    form = cloud_event_form(message, "[2]")
    assert form["EventType"] == "onMessageAdded"
    assert (form["Body"], form["Index"], form["MessageSid"]) == (
        "Ahoy!",
        "10",
        "IMee95cfd541a925a3337fec19a0200009",
    )
    assert json.loads(form["Media"])[0]["Filename"] == "00000000-0000-0000-0000-000000000000.png"


@pytest.mark.django_db
def test_event_streams_batch_then_state_closed_imports_the_conversation(client, token_set):
    opened = _events_post(client, "event_streams_batch_open.json")
    assert opened.status_code == 200, opened.content
    assert [r.get("held") for r in opened.json()["results"]] == [
        "conversation",
        "participant",
        "message",
    ]
    closed = _events_post(client, "event_streams_state_closed.json")
    assert closed.status_code == 200, closed.content
    chat = Chat.objects.get(source="twilio", external_id=SID)
    assert chat.started_at.isoformat() == "2025-01-01T00:00:00+00:00"  # conversation.added
    assert chat.ended_at.isoformat() == "2025-01-01T00:10:00+00:00"  # StateUpdated
    assert chat.customer.phone == "+14567890123"
    texts = transcript_texts(chat)
    assert texts == ["Ahoy!\n[attachment: 00000000-0000-0000-0000-000000000000.png, image/png]"]
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_event_streams_replayed_batch_adds_nothing(client, token_set):
    for _ in range(2):
        assert _events_post(client, "event_streams_batch_open.json").status_code == 200
    assert InboundEvent.objects.count() == 3


@pytest.mark.django_db
def test_event_streams_body_changed_after_signing_is_refused(client, token_set):
    assert _events_post(client, "event_streams_batch_open.json", tamper=True).status_code == 401
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_event_streams_unknown_shape_is_refused_with_the_index(client, token_set):
    body = b'[{"type": "com.twilio.conversations.message.added", "data": "nope"}]'
    query = f"bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = twilio_signature(auth_token="tw-token", url=f"{HOST}{EVENTS}?{query}", params={})
    response = client.post(
        f"{EVENTS}?{query}",
        body,
        content_type="application/json",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert response.json()["results"][0]["message"].startswith("[0]")


@pytest.mark.django_db
def test_event_streams_oversized_batch_is_refused_whole(client, token_set):
    event = _load("event_streams_batch_open.json")[2]
    body = json.dumps([event] * 1001).encode()
    query = f"bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = twilio_signature(auth_token="tw-token", url=f"{HOST}{EVENTS}?{query}", params={})
    response = client.post(
        f"{EVENTS}?{query}",
        body,
        content_type="application/json",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert "more than 1000 events" in response.json()["message"]
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_resources_in_separate_files_do_not_block_one_another(tmp_path):
    names = [
        "twilio_conversation.json",
        "twilio_conversation_participant.json",
        "twilio_conversation_messages.json",
    ]
    for name in names:
        path = tmp_path / name
        path.write_bytes((FORMATS / "twilio_conversations" / name).read_bytes())
        status, _, err = import_sample(path, "twilio")
        assert status == 0, (name, err)  # the first import must not block the rest
    assert Chat.objects.filter(source="twilio").count() == 1


@pytest.mark.django_db
def test_resources_in_separate_files_combine_into_one_full_chat(tmp_path):
    for name in (
        "twilio_conversation.json",
        "twilio_conversation_participant.json",
        "twilio_conversation_messages.json",
    ):
        path = tmp_path / name
        path.write_bytes((FORMATS / "twilio_conversations" / name).read_bytes())
        import_sample(path, "twilio")
    chat = Chat.objects.get(source="twilio")
    assert chat.messages.count() == 3
    assert chat.customer.phone == "+15558675310"
