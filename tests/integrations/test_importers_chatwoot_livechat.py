"""Each real example payload of shared/formats imports into a chat whose messages, authors,
timestamps and rating match it; a corrupted copy is rejected with the problem named, kept
verbatim, and nothing of it is imported."""

import json
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat, Message
from tests.integrations.importing import (
    corrupt,
    epoch,
    import_sample,
    message_lines,
    moment,
    transcript_texts,
)


@pytest.mark.django_db
def test_chatwoot_resolved_conversation_imports_with_messages_authors_and_times(real_sample):
    status, out, _ = import_sample(
        real_sample("chatwoot/chatwoot_conversation_resolved.json"), "chatwoot"
    )
    assert status == 0
    assert "imported 1, updated 0, already present 0, corrections 0, rejected 0; 1 messages" in out
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert chat.started_at == moment("2021-07-23T18:01:48.739Z")  # contact_inbox.created_at
    assert chat.ended_at == epoch(1627063520)  # the resolve event's timestamp
    assert (chat.customer.external_id, chat.customer.name, chat.customer.email) == (
        "12",
        "jane",
        "jane@acme.inc",
    )
    assert [(a.external_id, a.name) for a in chat.agents.all()] == [("1", "John")]
    # message_type 3 is a template: the bot asking for an email address
    assert message_lines(chat) == [("bot", "", "Get notified by email", epoch(1627063369))]
    assert not hasattr(chat, "survey")


@pytest.mark.django_db
def test_chatwoot_status_changed_to_open_is_an_open_chat(real_sample):
    status, _, _ = import_sample(
        real_sample("chatwoot/chatwoot_conversation_status_changed.json"), "chatwoot"
    )
    assert status == 0
    assert Chat.objects.get(source="chatwoot", external_id="10").ended_at is None


@pytest.mark.django_db
def test_chatwoot_message_created_adds_the_event_message_to_its_conversation(real_sample):
    status, _, _ = import_sample(real_sample("chatwoot/chatwoot_message_created.json"), "chatwoot")
    assert status == 0
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert message_lines(
        chat
    ) == [  # in time order: the customer wrote a second before the template
        ("customer", "little-haze-776", "hi", moment("2021-07-23T18:02:48Z")),
        ("bot", "", "Get notified by email", epoch(1627063369)),
    ]
    assert chat.customer.external_id == "14"


@pytest.mark.django_db
def test_chatwoot_csat_answer_becomes_the_survey(real_sample):
    path = real_sample("chatwoot/chatwoot_conversation_resolved.json")

    def add_csat(data: dict[str, Any]) -> None:
        data["messages"].append(
            {
                "id": 121,
                "content": "Rate the conversation",
                "message_type": 3,
                "created_at": 1627063500,
                "private": False,
                "content_type": "input_csat",
                "content_attributes": {
                    "submitted_values": {
                        "csat_survey_response": {"rating": 4, "feedback_message": "helpful"}
                    }
                },
            }
        )
        data["messages"].append(
            {
                "id": 122,
                "content": "internal: check refund",
                "message_type": 1,
                "created_at": 1627063510,
                "private": True,
                "sender_type": "User",
                "sender_id": 1,
            }
        )

    corrupt(path, add_csat)
    assert import_sample(path, "chatwoot")[0] == 0
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert (chat.survey.rating, chat.survey.comment) == (4, "helpful")
    assert "internal: check refund" not in transcript_texts(chat)


@pytest.mark.django_db
def test_chatwoot_corrupted_message_type_is_rejected_whole_and_kept(real_sample):
    path = real_sample("chatwoot/chatwoot_conversation_resolved.json")
    raw = corrupt(path, lambda data: data["messages"][0].update(message_type=9))
    status, out, err = import_sample(path, "chatwoot")
    assert status == 1
    assert "rejected 1" in out
    assert "messages[0].message_type: 9 is not a Chatwoot message_type" in err
    assert Path(f"{path}.rejected.jsonl").read_bytes() == raw + b"\n"
    assert not Chat.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_chatwoot_truncated_file_is_rejected_as_invalid_json(real_sample):
    path = real_sample("chatwoot/chatwoot_conversation_resolved.json")
    raw = path.read_bytes()[:500]
    path.write_bytes(raw)
    status, _, err = import_sample(path, "chatwoot")
    assert status == 1
    assert "not valid JSON" in err
    assert Path(f"{path}.rejected.jsonl").read_bytes().rstrip(b"\n") == raw.rstrip(b"\n")
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_chatwoot_event_without_conversation_is_rejected(tmp_path):
    path = tmp_path / "contact.json"
    path.write_text(json.dumps({"event": "contact_created", "id": 3, "name": "x"}))
    status, _, err = import_sample(path, "chatwoot")
    assert status == 1
    assert "event 'contact_created' carries no conversation" in err


# --- LiveChat ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_livechat_chat_imports_one_chat_per_thread_with_customer_location(real_sample):
    status, out, _ = import_sample(real_sample("livechat/livechat_chat.json"), "livechat")
    assert status == 0, out
    chat = Chat.objects.get(source="livechat", external_id="QA37PVJ75B")
    assert chat.started_at == moment("2020-05-12T11:42:47.383000Z")
    assert chat.ended_at == moment("2020-05-12T11:42:47.383001Z")  # inactive: the last event
    assert (chat.country, chat.country_source) == ("PL", "source_system")
    assert (chat.customer.external_id, chat.customer.name) == (
        "b7eff798-f8df-4364-8059-649c35c9ed0c",
        "Thomas Anderson",
    )
    assert [(a.external_id, a.name) for a in chat.agents.all()] == [
        ("smith@example.com", "Agent Smith")
    ]
    assert chat.tags == ["support", "positive feedback"]
    assert message_lines(chat) == []  # the thread holds only the pre-chat form


@pytest.mark.django_db
def test_livechat_thread_imports_messages_with_authors_and_times(real_sample):
    status, _, _ = import_sample(real_sample("livechat/livechat_thread.json"), "livechat")
    assert status == 0
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    assert chat.ended_at is None  # thread.active is true
    at = moment("2017-10-12T15:19:21.010200Z")
    assert message_lines(chat) == [
        ("customer", "", "Hello there", at),
        ("customer", "", "Thank you", at),
    ]
    assert chat.customer.external_id == "b7eff798-f8df-4364-8059-649c35c9ed0c"
    assert chat.tags == ["sales"]


@pytest.mark.django_db
def test_livechat_customer_object_in_the_same_file_completes_the_identity(real_sample):
    path = real_sample(
        "livechat/livechat_thread.json",
        "livechat/livechat_customer.json",
        "livechat/livechat_agent.json",
    )
    assert import_sample(path, "livechat")[0] == 0
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    assert (chat.customer.name, chat.customer.email, chat.customer.phone) == (
        "Thomas Anderson",
        "t.anderson@example.com",
        "+18008529001",
    )
    assert [m.author_name for m in chat.messages.all()] == ["Thomas Anderson"] * 2


@pytest.mark.django_db
def test_livechat_rating_good_is_five_stars(real_sample):
    path = real_sample("livechat/livechat_thread.json")
    corrupt(
        path, lambda data: data["properties"].update(rating={"score": 1, "comment": "Well done!"})
    )
    assert import_sample(path, "livechat")[0] == 0
    survey = Chat.objects.get(external_id="K600PKZON8").survey
    assert (survey.rating, survey.comment, survey.answers) == (5, "Well done!", {"rating": "good"})


@pytest.mark.django_db
def test_livechat_corrupted_thread_time_is_rejected(real_sample):
    path = real_sample("livechat/livechat_chat.json")
    corrupt(path, lambda data: data["threads"][0].update(created_at="yesterday"))
    status, _, err = import_sample(path, "livechat")
    assert status == 1
    assert "chat.threads[0].created_at: 'yesterday' is not an ISO 8601 timestamp" in err
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_livechat_lone_event_is_rejected_with_reason(real_sample):
    status, _, err = import_sample(real_sample("livechat/livechat_event_message.json"), "livechat")
    assert status == 1
    assert "single LiveChat event without its thread" in err


# --- Zendesk Chat ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_livechat_v3_3_private_note_never_becomes_a_transcript_line(real_sample):
    """Issue #20 item 3: before API v3.4 an agents-only note says `recipients: "agents"`
    (LiveChat's v3.3 event format); it leaked as an agent line when only `visibility` was read."""
    path = real_sample("livechat/livechat_thread.json")

    def add_note(data):
        note = {**data["events"][0], "id": "note-1", "text": "customer is a known fraudster"}
        note.pop("visibility", None)
        note["recipients"] = "agents"
        data["events"].append(note)

    corrupt(path, add_note)
    assert import_sample(path, "livechat")[0] == 0
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    assert "fraudster" not in " ".join(line[2] for line in message_lines(chat))
    assert len(message_lines(chat)) == 2
