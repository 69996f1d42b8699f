"""Intercom documents from Intercom's own samples and API description (issue #20, items 1, 3, 5,
7).

Origins (see fixtures/README.md): intercom-archive/intercom-webhooks
`sample_webhook_output/conversation.admin.noted.txt` and `conversation.admin.closed.txt`
(API 1.x notification payloads); intercom/Intercom-OpenAPI 2.14 `GET /conversations/{id}` and
`GET /contacts/{id}` examples; attachment keys of intercom/intercom-go `attachment.go`.
"""

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat
from integrations.importers import intercom
from integrations.models import InboundEvent
from tests.integrations.importing import epoch, import_sample, message_lines

FIXTURES = Path(__file__).parent / "fixtures" / "intercom"
NOTED, CLOSED = "v1_conversation.admin.noted.json", "v1_conversation.admin.closed.json"


def _data(*names: str) -> bytes:
    return b"\n".join((FIXTURES / name).read_bytes() for name in names)


def _file(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "intercom.json"
    path.write_bytes(_data(*names))
    return path


def _units(*names: str) -> list[Any]:
    return list(intercom.intercom_units(_data(*names)))


def test_v1_notification_maps_message_customer_and_agent():
    (unit,) = _units(NOTED)
    chat = unit.chat
    assert chat["customer"] == {
        "external_id": "57179c30c776e05d4c0002a8",
        "name": "Jane Doe",
        "email": "",
        "phone": "",
    }
    assert {"external_id": "246810", "name": "Timothy Lim"} in chat["agents"]
    opening = chat["messages"][0]
    assert (opening["sender"], opening["text"], opening["author"]) == (
        "customer",
        "visitor initiated message 1",
        "Jane Doe",
    )
    assert chat["ended_at"] is None  # open: true


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def test_v1_admin_note_is_an_internal_message():
    item = _load(NOTED)["data"]["item"]
    chat = intercom.conversation_to_chat(item, intercom.Contacts())
    note = next(m for m in chat["messages"] if m["external_id"] == "98539711")
    assert (note["sender"], note["visibility"], note["text"]) == ("agent", "internal", "admin note")


@pytest.mark.django_db
def test_noted_then_closed_in_one_file_is_one_closed_chat_without_the_note(tmp_path):
    status, out, err = import_sample(_file(tmp_path, NOTED, CLOSED), "intercom")
    assert status == 0, err
    assert "imported 1, updated 0, already present 0, corrections 0, rejected 0" in out
    chat = Chat.objects.get(source="intercom", external_id="4584686769")
    assert chat.ended_at == epoch(1461165210)  # the close part
    assert [line[2] for line in message_lines(chat)] == ["visitor initiated message 1"]
    assert chat.customer.name == "Jane Doe"


@pytest.mark.django_db
def test_noted_then_closed_in_two_imports_ends_closed(tmp_path):
    import_sample(_file(tmp_path, NOTED), "intercom")
    (tmp_path / "closed.json").write_bytes(_data(CLOSED))
    import_sample(tmp_path / "closed.json", "intercom")
    assert Chat.objects.get(external_id="4584686769").ended_at == epoch(1461165210)


def test_notification_without_any_message_customer_or_agent_is_rejected_with_the_shapes():
    item = {"type": "conversation", "id": "1", "created_at": 1461165141}
    envelope = {"type": "notification_event", "topic": "conversation.admin.closed"}
    envelope["data"] = {"item": item}
    (unit,) = intercom.intercom_units(json.dumps(envelope).encode())
    assert isinstance(unit.chat, Exception)
    assert "conversation_message" in str(unit.chat)
    assert "API 1.x" in str(unit.chat)


@pytest.mark.django_db
def test_contacts_as_a_plain_list_complete_the_customer(tmp_path):
    path = _file(tmp_path, "v2_conversation_without_parts.json", "v2_contacts_plain_list.json")
    status, _, err = import_sample(path, "intercom")
    assert status == 0, err
    chat = Chat.objects.get(source="intercom", external_id="503")
    assert (chat.customer.name, chat.customer.email) == ("Joe Bloggs", "joe@bloggs.com")


def test_parts_exported_as_a_separate_stream_join_their_conversation():
    (unit,) = _units(
        "v2_conversation_without_parts.json",
        "v2_conversation_parts_stream.jsonl",
        "v2_contacts_plain_list.json",
    )
    assert not isinstance(unit.chat, Exception)
    stream = [
        json.loads(line)
        for line in (FIXTURES / "v2_conversation_parts_stream.jsonl").read_text().splitlines()
    ]
    conversation = intercom.conversations_merged(
        [_load("v2_conversation_without_parts.json")], stream
    )
    messages = intercom.conversation_to_chat(conversation, intercom.Contacts())["messages"]
    assert [m["external_id"] for m in messages] == ["403918334", "1", "99"]
    upload = messages[-1]
    assert (upload["sender"], upload["text"]) == ("customer", "")
    assert upload["attachments"] == [
        {
            "name": "invoice-0042.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "url": "https://downloads.intercomcdn.com/i/o/1/invoice-0042.pdf",
        }
    ]


def test_parts_stream_without_its_conversation_is_a_partial_chat_not_a_reject():
    (unit,) = _units("v2_conversation_parts_stream.jsonl")
    assert unit.chat["external_id"] == "503"
    assert len(unit.chat["messages"]) == 2


def test_unmapped_fields_are_named():
    (unit,) = _units(NOTED)
    assert {"metadata", "links", "read"} <= set(unit.unmapped)
    assert "conversation_message" not in unit.unmapped


def _signed_post(client: Any, name: str, secret: bytes = b"ic-secret") -> Any:
    body = (FIXTURES / name).read_bytes()
    signature = "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    return client.post(
        "/api/v1/integrations/intercom/webhook/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=signature,
    )


@pytest.fixture
def secret_set(settings: Any) -> None:
    settings.INTERCOM_WEBHOOK_SECRET = "ic-secret"


@pytest.mark.django_db
def test_webhook_noted_then_closed_ends_with_the_chat_closed(client, secret_set):
    assert _signed_post(client, NOTED).status_code == 202  # held: the conversation is open
    assert _signed_post(client, CLOSED).status_code == 201
    chat = Chat.objects.get(source="intercom", external_id="4584686769")
    assert chat.ended_at == epoch(1461165210)
    assert [line[2] for line in message_lines(chat)] == ["visitor initiated message 1"]
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_webhook_notification_after_the_close_passes_a_full_copy(client, secret_set):
    _signed_post(client, NOTED)
    _signed_post(client, CLOSED)
    replay = _signed_post(client, NOTED)
    assert replay.status_code == 200
    assert replay.json()["copy"] == "passed to the import (update rule)"
    assert Chat.objects.filter(source="intercom").count() == 1
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_webhook_with_a_signature_of_another_secret_is_refused(client, secret_set):
    assert _signed_post(client, NOTED, secret=b"other").status_code == 401
    assert not InboundEvent.objects.exists()
