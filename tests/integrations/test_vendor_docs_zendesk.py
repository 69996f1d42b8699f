"""Zendesk documents (issue #20, item 8): a Chat incremental export page without its content,
and Sunshine Conversations (Zendesk's messaging successor).

Origins (see fixtures/README.md): airbytehq/airbyte source-zendesk-chat recorded response;
zendesk/sunshine-conversations-api-spec `openapi.yaml` examples `conversationMessageEvent`,
`file`, `getConversation`, `listMessages`.
"""

import json
from pathlib import Path

import pytest

from chats.interchange import InterchangeError
from chats.models import Chat
from integrations.importers import sunshine_conversations, zendesk_chat
from tests.integrations.importing import import_sample, message_lines, moment

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"


def _file(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "export.json"
    path.write_bytes(b"\n".join((FIXTURES / name).read_bytes() for name in names))
    return path


@pytest.mark.django_db
def test_incremental_page_without_fields_is_rejected_saying_what_to_request(tmp_path):
    path = _file(tmp_path, "incremental_chats_page_without_fields.json")
    status, _, err = import_sample(path, "zendesk_chat")
    assert status == 1
    assert "fields=chats(*)" in err
    assert "GET /api/v2/chat/incremental/chats?fields=chats(*)" in err
    assert not Chat.objects.exists()


def test_a_live_chat_without_history_says_the_same():
    with pytest.raises(InterchangeError, match=r"fields=chats\(\*\)"):
        zendesk_chat.chat_to_interchange({"type": "chat", "id": "1", "timestamp": 1600000000})


@pytest.mark.django_db
def test_sunshine_webhook_message_imports_with_customer_and_time(tmp_path):
    path = _file(tmp_path, "sunshine_webhook_conversation_message.json")
    status, out, err = import_sample(path, "sunshine_conversations")
    assert status == 0, err
    chat = Chat.objects.get(source="sunshine_conversations", external_id="f52b01137aa6c250bc7251fa")
    assert message_lines(chat) == [
        ("customer", "Steve Rogers", "hello", moment("2020-09-30T18:00:56.820Z"))
    ]
    assert chat.customer.name == "Steve Rogers"
    assert "fields not mapped: " in out


def test_sunshine_deliveries_of_one_conversation_make_one_chat_with_the_file():
    data = (FIXTURES / "sunshine_webhook_conversation_message.json").read_bytes() + b"\n"
    data += (FIXTURES / "sunshine_webhook_business_file.json").read_bytes()
    (unit,) = sunshine_conversations.sunshine_units(data)
    assert not isinstance(unit.chat, Exception)
    messages = unit.chat["messages"]
    assert [m["sender"] for m in messages] == ["customer", "agent"]
    hook = json.loads((FIXTURES / "sunshine_webhook_business_file.json").read_bytes())
    payload = hook["events"][0]["payload"]
    chat = sunshine_conversations.conversation_to_chat(
        payload["conversation"], [payload["message"]]
    )
    (file_message,) = chat["messages"]
    assert file_message["text"] == "Here's our FAQ!"
    assert file_message["attachments"] == [
        {"name": "FAQ.pdf", "content_type": "", "size": None, "url": "https://example.org/FAQ.pdf"}
    ]


@pytest.mark.django_db
def test_sunshine_conversation_and_its_messages_page_import_together(tmp_path):
    path = _file(tmp_path, "sunshine_get_conversation.json", "sunshine_list_messages.json")
    status, _, err = import_sample(path, "sunshine_conversations")
    assert status == 0, err
    chat = Chat.objects.get(external_id="67a0ecf8f0305f4a391e9db1")
    assert chat.started_at == moment("2025-02-03T16:21:12.308Z")
    assert [(line[0], line[2]) for line in message_lines(chat)] == [("agent", "Hello World")]


@pytest.mark.django_db
def test_sunshine_messages_page_alone_is_rejected_with_what_to_add(tmp_path):
    status, _, err = import_sample(
        _file(tmp_path, "sunshine_list_messages.json"), "sunshine_conversations"
    )
    assert status == 1
    assert "put the GET /v2/apps/{appId}/conversations/{id} response before it" in err
