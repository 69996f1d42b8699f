"""A live-chat system retries a webhook it thinks was lost, or an attacker replays a signed one:
the same event sent again (same message / participant / event id) adds nothing, before the
conversation closes (nothing held twice) and after (nothing held for an imported chat), for every
inbound source (issue #13, item 7)."""

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat, Message
from integrations.inbound import twilio_signature
from integrations.models import InboundEvent
from tests.integrations import conftest

CHATWOOT = "/api/v1/integrations/chatwoot/webhook/"
LIVECHAT = "/api/v1/integrations/livechat/webhook/"
TWILIO = "/api/v1/integrations/twilio/webhook/"
TWILIO_URL = "https://records.example.com/api/v1/integrations/twilio/webhook/"
SID = "CHbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"


@pytest.fixture
def secrets_set(settings: Any) -> None:
    settings.CHATWOOT_WEBHOOK_SECRET = "cw-secret"
    settings.LIVECHAT_WEBHOOK_SECRET = "lc-secret"
    settings.TWILIO_AUTH_TOKEN = "tw-token"
    settings.TWILIO_WEBHOOK_URL = TWILIO_URL


def _sample(name: str) -> bytes:
    return Path(conftest.FORMATS / name).read_bytes()


def _twilio(client: Any, form: dict[str, str]) -> Any:
    signature = twilio_signature(auth_token="tw-token", url=TWILIO_URL, params=form)
    return client.post(TWILIO, form, HTTP_X_TWILIO_SIGNATURE=signature)


def _chatwoot(client: Any, body: bytes) -> Any:
    ts = str(int(time.time()))
    digest = hmac.new(b"cw-secret", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        CHATWOOT,
        body,
        content_type="application/json",
        HTTP_X_CHATWOOT_TIMESTAMP=ts,
        HTTP_X_CHATWOOT_SIGNATURE=f"sha256={digest}",
    )


def _livechat(client: Any, action: str, payload: dict[str, Any]) -> Any:
    body = json.dumps({"secret_key": "lc-secret", "action": action, "payload": payload})
    return client.post(LIVECHAT, body, content_type="application/json")


BASE = {"ConversationSid": SID, "AccountSid": "AC1"}
CUSTOMER = {
    **BASE,
    "EventType": "onParticipantAdded",
    "ParticipantSid": "MB1",
    "MessagingBinding.Address": "+14165550199",
    "MessagingBinding.ProxyAddress": "+15017122661",
}
MESSAGE = {
    **BASE,
    "EventType": "onMessageAdded",
    "MessageSid": "IM1",
    "Index": "0",
    "ParticipantSid": "MB1",
    "Author": "+14165550199",
    "Body": "Where is my parcel?",
    "DateCreated": "2025-03-01T10:00:00Z",
}
CLOSED = {
    **BASE,
    "EventType": "onConversationStateUpdated",
    "StateFrom": "active",
    "StateTo": "closed",
    "DateCreated": "2025-03-01T09:59:00Z",
    "DateUpdated": "2025-03-01T10:05:00Z",
}


@pytest.mark.django_db
def test_twilio_message_sent_twice_is_stored_once(client: Any, secrets_set: None) -> None:
    assert _twilio(client, CUSTOMER).status_code == 202
    assert _twilio(client, CUSTOMER).status_code == 200  # the replayed participant
    assert _twilio(client, MESSAGE).status_code == 202
    replay = _twilio(client, MESSAGE)
    assert replay.status_code == 200
    assert replay.json()["duplicate"] == "message"
    assert InboundEvent.objects.filter(kind="message").count() == 1
    assert InboundEvent.objects.filter(kind="participant").count() == 1
    assert _twilio(client, CLOSED).status_code == 201
    chat = Chat.objects.get(source="twilio", external_id=SID)
    assert [m.text for m in chat.messages.all()] == ["Where is my parcel?"]


@pytest.mark.django_db
def test_twilio_replay_after_close_adds_nothing(client: Any, secrets_set: None) -> None:
    for form in (CUSTOMER, MESSAGE, CLOSED):
        assert _twilio(client, form).status_code in (201, 202)
    messages_before = Message.objects.count()
    assert _twilio(client, MESSAGE).status_code == 200
    assert _twilio(client, CLOSED).status_code == 200  # already imported
    assert Chat.objects.count() == 1
    assert Message.objects.count() == messages_before
    assert not InboundEvent.objects.exists()  # nothing held for a closed conversation


@pytest.mark.django_db
def test_twilio_new_message_after_close_is_added_once_to_the_undeclared_chat(
    client: Any, secrets_set: None
) -> None:
    # SPEC §3: a later, fuller copy of an undeclared chat updates it; a message the source
    # names by a new id is new, and its replay adds nothing more.
    for form in (CUSTOMER, MESSAGE, CLOSED):
        assert _twilio(client, form).status_code in (201, 202)
    messages_before = Message.objects.count()
    later = {**MESSAGE, "MessageSid": "IM9", "Index": "1", "Body": "Any news?"}
    assert _twilio(client, later).status_code == 200
    assert _twilio(client, later).status_code == 200
    assert Chat.objects.count() == 1
    assert Message.objects.count() == messages_before + 1


@pytest.mark.django_db
def test_chatwoot_message_sent_twice_is_stored_once(client: Any, secrets_set: None) -> None:
    message = _sample("chatwoot/chatwoot_message_created.json")
    assert _chatwoot(client, message).status_code == 202
    assert _chatwoot(client, message).status_code == 200
    assert InboundEvent.objects.count() == 1
    assert _chatwoot(
        client, _sample("chatwoot/chatwoot_conversation_resolved.json")
    ).status_code in (
        200,
        201,
    )
    chat = Chat.objects.get(source="chatwoot")
    texts = [m.text for m in chat.messages.order_by("position")]
    assert len(texts) == len(set(texts))
    messages_before = Message.objects.count()
    assert _chatwoot(client, message).status_code == 200  # after the import
    assert Message.objects.count() == messages_before
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_livechat_event_sent_twice_is_stored_once(client: Any, secrets_set: None) -> None:
    chat = json.loads(_sample("livechat/livechat_chat.json"))
    thread = chat.pop("threads")[0]
    chat["thread"] = {**thread, "active": True}
    event = json.loads(_sample("livechat/livechat_event_message.json"))
    event["created_at"] = "2020-05-12T11:45:00.000000Z"
    event_payload = {"chat_id": chat["id"], "thread_id": thread["id"], "event": event}
    assert _livechat(client, "incoming_chat", {"chat": chat}).status_code == 202
    assert _livechat(client, "incoming_chat", {"chat": chat}).status_code == 200
    assert _livechat(client, "incoming_event", event_payload).status_code == 202
    assert _livechat(client, "incoming_event", event_payload).status_code == 200
    assert InboundEvent.objects.filter(kind="event").count() == 1
    closed = {"chat_id": chat["id"], "thread_id": thread["id"]}
    assert _livechat(client, "chat_deactivated", closed).status_code == 201
    imported = Chat.objects.get(source="livechat", external_id=thread["id"])
    assert [m.text for m in imported.messages.all()] == ["hello there"]
    assert _livechat(client, "incoming_event", event_payload).status_code == 200
    assert imported.messages.count() == 1
    assert not InboundEvent.objects.exists()
