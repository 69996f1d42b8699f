"""Webhook endpoints where live-chat systems push: sender authentication, holding the pieces
of an open conversation, and the whole chat imported when it closes."""
# ruff: noqa: S107 - test secrets

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from chats.models import Chat
from integrations.inbound import twilio_signature
from integrations.models import InboundEvent
from tests.integrations.conftest import FORMATS

CHATWOOT = "/api/v1/integrations/chatwoot/webhook/"
LIVECHAT = "/api/v1/integrations/livechat/webhook/"
TWILIO = "/api/v1/integrations/twilio/webhook/"
TWILIO_URL = "https://records.example.com/api/v1/integrations/twilio/webhook/"


def _sample(name: str) -> bytes:
    return Path(FORMATS / name).read_bytes()


def _chatwoot_post(client, body: bytes, secret: str = "cw-secret", timestamp: int | None = None):
    ts = str(timestamp or int(time.time()))
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        CHATWOOT,
        body,
        content_type="application/json",
        HTTP_X_CHATWOOT_TIMESTAMP=ts,
        HTTP_X_CHATWOOT_SIGNATURE=f"sha256={digest}",
    )


@pytest.fixture
def secrets_set(settings):
    settings.CHATWOOT_WEBHOOK_SECRET = "cw-secret"
    settings.LIVECHAT_WEBHOOK_SECRET = "lc-secret"
    settings.TWILIO_AUTH_TOKEN = "tw-token"
    settings.TWILIO_WEBHOOK_URL = TWILIO_URL


@pytest.mark.django_db
def test_chatwoot_messages_are_held_then_imported_whole_on_resolve(client, secrets_set):
    assert (
        _chatwoot_post(client, _sample("chatwoot/chatwoot_message_created.json")).status_code == 202
    )
    assert not Chat.objects.exists()
    response = _chatwoot_post(client, _sample("chatwoot/chatwoot_conversation_resolved.json"))
    assert response.status_code == 201, response.content
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert [m.text for m in chat.messages.order_by("position")] == ["hi", "Get notified by email"]
    assert chat.ended_at is not None
    assert not InboundEvent.objects.exists()  # held text is gone once imported


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["secret", "body", "stale"])
def test_chatwoot_bad_signature_is_401_and_nothing_held(client, secrets_set, tamper):
    body = _sample("chatwoot/chatwoot_message_created.json")
    if tamper == "secret":
        response = _chatwoot_post(client, body, secret="guess")
    elif tamper == "stale":
        response = _chatwoot_post(client, body, timestamp=int(time.time()) - 3600)
    else:
        ts = str(int(time.time()))
        digest = hmac.new(b"cw-secret", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        response = client.post(
            CHATWOOT,
            body.replace(b'"hi"', b'"pay me"'),
            content_type="application/json",
            HTTP_X_CHATWOOT_TIMESTAMP=ts,
            HTTP_X_CHATWOOT_SIGNATURE=f"sha256={digest}",
        )
    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_unconfigured_endpoint_is_off(client, settings):
    settings.CHATWOOT_WEBHOOK_SECRET = ""
    assert client.post(CHATWOOT, b"{}", content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_chatwoot_malformed_resolve_is_400_and_held_messages_kept(client, secrets_set):
    _chatwoot_post(client, _sample("chatwoot/chatwoot_message_created.json"))
    data = json.loads(_sample("chatwoot/chatwoot_conversation_resolved.json"))
    data["messages"][0]["created_at"] = "whenever"
    response = _chatwoot_post(client, json.dumps(data).encode())
    assert response.status_code == 400
    assert "messages[0].created_at" in response.json()["message"]
    assert not Chat.objects.exists()
    assert InboundEvent.objects.count() == 1


def _livechat(action: str, payload: dict, secret: str = "lc-secret") -> bytes:
    return json.dumps(
        {
            "webhook_id": "w1",
            "secret_key": secret,
            "action": action,
            "organization_id": "o1",
            "payload": payload,
            "additional_data": {},
        }
    ).encode()


@pytest.mark.django_db
def test_livechat_chat_and_events_import_on_deactivation(client, secrets_set):
    chat = json.loads(_sample("livechat/livechat_chat.json"))
    thread = chat.pop("threads")[0]
    chat["thread"] = {**thread, "active": True}

    def post(body: bytes):
        return client.post(LIVECHAT, body, content_type="application/json")

    assert post(_livechat("incoming_chat", {"chat": chat})).status_code == 202
    event = json.loads(_sample("livechat/livechat_event_message.json"))
    event["created_at"] = "2020-05-12T11:45:00.000000Z"
    assert (
        post(
            _livechat(
                "incoming_event", {"chat_id": chat["id"], "thread_id": thread["id"], "event": event}
            )
        ).status_code
        == 202
    )
    assert post(_livechat("incoming_event", {}, secret="nope")).status_code == 401
    response = post(
        _livechat("chat_deactivated", {"chat_id": chat["id"], "thread_id": thread["id"]})
    )
    assert response.status_code == 201, response.content
    imported = Chat.objects.get(source="livechat", external_id=thread["id"])
    assert [(m.sender, m.text) for m in imported.messages.all()] == [("customer", "hello there")]
    assert imported.ended_at.isoformat().startswith("2020-05-12T11:45:00")
    assert not InboundEvent.objects.exists()


def _twilio_post(client, form: dict, token: str = "tw-token"):
    signature = twilio_signature(auth_token=token, url=TWILIO_URL, params=form)
    return client.post(TWILIO, form, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_signature_matches_twilios_published_example():
    # The worked example of Twilio's webhook security documentation.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    assert (
        twilio_signature(
            auth_token="12345", url="https://mycompany.com/myapp.php?foo=1&bar=2", params=params
        )
        == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    )


@pytest.mark.django_db
def test_twilio_events_import_on_close(client, secrets_set):
    sid = "CHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    base = {"ConversationSid": sid, "AccountSid": "AC1"}
    customer = {
        **base,
        "EventType": "onParticipantAdded",
        "ParticipantSid": "MB1",
        "MessagingBinding.Address": "+14165550199",
        "MessagingBinding.ProxyAddress": "+15017122661",
    }
    assert _twilio_post(client, customer).status_code == 202
    agent = {
        **base,
        "EventType": "onParticipantAdded",
        "ParticipantSid": "MB2",
        "Identity": "agent.kim",
    }
    assert _twilio_post(client, agent).status_code == 202
    lines = [("MB1", "+14165550199", "Where is my parcel?"), ("MB2", "agent.kim", "On its way")]
    for index, (participant, author, body) in enumerate(lines):
        form = {
            **base,
            "EventType": "onMessageAdded",
            "MessageSid": f"IM{index}",
            "Index": str(index),
            "ParticipantSid": participant,
            "Author": author,
            "Body": body,
            "DateCreated": f"2025-03-01T10:0{index}:00Z",
        }
        assert _twilio_post(client, form).status_code == 202
    assert (
        _twilio_post(client, {**base, "EventType": "onMessageAdded"}, token="forged").status_code
        == 401
    )
    response = _twilio_post(
        client,
        {
            **base,
            "EventType": "onConversationStateUpdated",
            "StateFrom": "active",
            "StateTo": "closed",
            "DateCreated": "2025-03-01T09:59:00Z",
            "DateUpdated": "2025-03-01T10:05:00Z",
        },
    )
    assert response.status_code == 201, response.content
    chat = Chat.objects.get(source="twilio", external_id=sid)
    assert [(m.sender, m.text) for m in chat.messages.all()] == [
        ("customer", "Where is my parcel?"),
        ("agent", "On its way"),
    ]
    assert chat.country == "CA"  # inferred from the customer's phone number
    assert chat.ended_at.isoformat() == "2025-03-01T10:05:00+00:00"
    assert not InboundEvent.objects.exists()
