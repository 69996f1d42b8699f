"""LiveChat documents from LiveChat's own public documentation (issue #20, items 3, 4, 5, 10).

Origins (livechat/livechat-public-docs, commit 628955e8; see fixtures/README.md):
- payloads/messaging/v3.3/agent-chat-api/other-structures/thread.json (`recipients`, API v3.3)
- payloads/messaging/v3.6/agent-chat-api/events/{form,system,richMessage,file}.json
- src/pages/messaging/agent-chat-api/index.mdx: the list_archives response (v3.6)
- src/pages/messaging/agent-chat-api/rtm-pushes/index.mdx: thread_properties_updated
- src/pages/messaging/agent-chat-api/v3.3/index.mdx: get_customer with `last_visit`
"""

import json
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat
from integrations.importers import livechat
from tests.integrations.importing import import_sample, message_lines

FIXTURES = Path(__file__).parent / "fixtures" / "livechat"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def _file(tmp_path: Path, *names: str) -> Path:
    target = tmp_path / "export.json"
    target.write_bytes(b"\n".join((FIXTURES / name).read_bytes() for name in names))
    return target


def test_v3_3_agents_only_note_is_an_internal_message_not_a_transcript_line():
    chat = livechat.thread_to_chat(_load("v3_3_thread_with_agents_note.json"), {})
    visible = [m for m in chat["messages"] if m["visibility"] == "public"]
    notes = [m for m in chat["messages"] if m["visibility"] == "internal"]
    assert [m["text"] for m in visible] == ["Hello there"]
    assert [(m["sender"], m["agent_external_id"]) for m in notes] == [
        ("agent", "smith@example.com")
    ]
    assert notes[0]["external_id"] == "0affb00a-82d6-4e07-ae61-56ba5c36f744"


@pytest.mark.django_db
def test_v3_3_agents_only_note_never_reaches_the_stored_transcript(tmp_path):
    status, _out, err = import_sample(
        _file(tmp_path, "v3_3_thread_with_agents_note.json"), "livechat"
    )
    assert status == 0, err
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    transcript = " ".join(line[2] for line in message_lines(chat))
    assert "refund twice" not in transcript
    assert "Hello there" in transcript


def test_v3_6_form_system_rich_message_and_file_events_are_all_kept():
    chat = livechat.thread_to_chat(_load("v3_6_thread_with_form_system_rich_file.json"), {})
    by_id = {m["external_id"][-1]: m for m in chat["messages"]}
    assert by_id["0"]["text"] == "Hello there"
    form = by_id["1"]
    assert form["sender"] == "system"
    assert form["text"].startswith("[prechat form: Your name; Your email; What are you looking")
    assert by_id["2"] == {
        "sender": "system",
        "sent_at": "2017-10-12T15:19:21.010200Z",
        "text": "[store_order_was_created]",
        "external_id": "17f5ac89-e578-4d3f-9ab9-675be6209b00"[:-1] + "2",
        "visibility": "public",
    }
    card = by_id["3"]
    assert card["text"].splitlines() == [
        "Lorem ipsum dolor.",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "[buttons: yes | no | value]",
    ]
    assert card["attachments"][0]["name"] == "image25.png"
    file_message = by_id["4"]
    assert file_message["text"] == ""  # an attachment-only message
    assert file_message["attachments"] == [
        {
            "name": "image25.png",
            "content_type": "image/png",
            "size": 123444,
            "url": "https://example.com/image25.png",
        }
    ]
    assert chat["ended_at"] == "2017-10-12T15:19:21.010200Z"  # active: false


@pytest.mark.django_db
def test_v3_6_thread_with_every_documented_event_imports_instead_of_being_rejected(tmp_path):
    path = _file(tmp_path, "v3_6_thread_with_form_system_rich_file.json")
    status, out, err = import_sample(path, "livechat")
    assert status == 0, err
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    texts = [line[2] for line in message_lines(chat)]
    assert len(texts) == 5
    assert any("image25.png" in text for text in texts)  # the attachment is not lost
    # `restricted_access`, `queue`, `access`, … are not mapped: said, not silently dropped.
    assert "fields not mapped: " in out
    assert "(livechat)" in out
    assert "fields not mapped: 0 " not in out


def test_unmapped_fields_of_a_thread_are_named():
    (unit,) = livechat.livechat_units(
        (FIXTURES / "v3_6_thread_with_form_system_rich_file.json").read_bytes()
    )
    assert {"thread.restricted_access", "thread.queue", "thread.events[system].details"} <= set(
        unit.unmapped
    )
    assert "thread.events[message].text" not in unit.unmapped


@pytest.mark.django_db
def test_list_archives_page_is_read_as_its_chats_with_the_visit_country(tmp_path):
    status, _out, err = import_sample(_file(tmp_path, "v3_6_list_archives_page.json"), "livechat")
    assert status == 0, err
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    assert chat.country == "PL"  # thread.customer_visit.geolocation.country_code
    assert [(line[0], line[2]) for line in message_lines(chat)] == [("agent", "Hello there")]
    assert chat.ended_at is not None  # active: false


@pytest.mark.django_db
def test_rating_of_a_thread_properties_updated_push_in_the_same_file_is_the_survey(tmp_path):
    path = _file(tmp_path, "v3_6_list_archives_page.json", "v3_6_thread_properties_updated.json")
    status, _, err = import_sample(path, "livechat")
    assert status == 0, err
    survey = Chat.objects.get(external_id="K600PKZON8").survey
    assert (survey.rating, survey.comment) == (5, "Well done!")


def test_a_push_for_another_thread_rates_nothing():
    push = {**_load("v3_6_thread_properties_updated.json"), "thread_id": "OTHER"}
    units = list(
        livechat.livechat_units(
            (FIXTURES / "v3_6_list_archives_page.json").read_bytes()
            + b"\n"
            + json.dumps(push).encode()
        )
    )
    assert [unit.chat["survey"] for unit in units] == [None]


def test_v3_3_customer_last_visit_gives_the_country(tmp_path):
    data = (FIXTURES / "v3_3_thread_with_agents_note.json").read_bytes() + b"\n"
    data += (FIXTURES / "v3_3_customer_with_last_visit.json").read_bytes()
    (unit,) = livechat.livechat_units(data)
    assert unit.chat["country"] == "PL"
    assert unit.chat["customer"]["name"] == "Thomas Anderson"


def _webhook(client: Any, action: str, payload: dict[str, Any]) -> Any:
    body = json.dumps({"secret_key": "lc-secret", "action": action, "payload": payload})
    return client.post(
        "/api/v1/integrations/livechat/webhook/", body, content_type="application/json"
    )


def _open_chat() -> dict[str, Any]:
    chat = _load("v3_6_list_archives_page.json")["chats"][0]
    chat["thread"]["active"] = True
    return chat


@pytest.mark.django_db
def test_webhook_rating_before_the_end_is_applied_at_deactivation(client, settings):
    settings.LIVECHAT_WEBHOOK_SECRET = "lc-secret"
    assert _webhook(client, "incoming_chat", {"chat": _open_chat()}).status_code == 202
    rating = _load("v3_6_thread_properties_updated.json")
    assert _webhook(client, "thread_properties_updated", rating).status_code == 202
    closed = {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8"}
    assert _webhook(client, "chat_deactivated", closed).status_code == 201
    survey = Chat.objects.get(source="livechat", external_id="K600PKZON8").survey
    assert (survey.rating, survey.comment) == (5, "Well done!")


@pytest.mark.django_db
def test_webhook_events_after_the_import_are_passed_as_full_copies(client, settings):
    settings.LIVECHAT_WEBHOOK_SECRET = "lc-secret"
    _webhook(client, "incoming_chat", {"chat": _open_chat()})
    closed = {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8"}
    assert _webhook(client, "chat_deactivated", closed).status_code == 201
    late = {
        "chat_id": "PJ0MRSHTDG",
        "thread_id": "K600PKZON8",
        "event": {
            "id": "QBT14H0Y3Y_2",
            "created_at": "2020-05-28T11:46:00.000000Z",
            "visibility": "all",
            "type": "message",
            "text": "One more thing",
            "author_id": "smith@example.com",
        },
    }
    rating = _load("v3_6_thread_properties_updated.json")
    for action, payload in (("incoming_event", late), ("thread_properties_updated", rating)):
        response = _webhook(client, action, payload)
        assert response.status_code == 200, response.content
        assert response.json()["copy"] == "passed to the import (update rule)"
    assert _webhook(client, "chat_deactivated", closed).status_code == 200
    assert Chat.objects.filter(source="livechat").count() == 1


@pytest.mark.django_db
def test_webhook_rating_after_the_import_is_stored(client, settings):
    settings.LIVECHAT_WEBHOOK_SECRET = "lc-secret"
    _webhook(client, "incoming_chat", {"chat": _open_chat()})
    _webhook(client, "chat_deactivated", {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8"})
    _webhook(client, "thread_properties_updated", _load("v3_6_thread_properties_updated.json"))
    survey = Chat.objects.get(source="livechat", external_id="K600PKZON8").survey
    assert survey.rating == 5
