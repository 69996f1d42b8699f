"""Each real example payload of shared/formats imports into a chat whose messages, authors,
timestamps and rating match it; a corrupted copy is rejected with the problem named, kept
verbatim, and nothing of it is imported."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from chats.models import Chat, Message


def _import(path: Path, fmt: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_chats", str(path), "--format", fmt, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def _lines(chat: Chat) -> list[tuple[str, str, str, datetime]]:
    return [
        (m.sender, m.author_name, m.text, m.sent_at) for m in chat.messages.order_by("position")
    ]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _corrupt(path: Path, change: Callable[[Any], None]) -> bytes:
    data = json.loads(path.read_bytes())
    change(data)
    raw = json.dumps(data, indent=2).encode()
    path.write_bytes(raw)
    return raw


# --- Chatwoot -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chatwoot_resolved_conversation_imports_with_messages_authors_and_times(real_sample):
    status, out, _ = _import(
        real_sample("chatwoot/chatwoot_conversation_resolved.json"), "chatwoot"
    )
    assert status == 0
    assert "imported 1, already present 0, rejected 0; 1 messages" in out
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert chat.started_at == _at("2021-07-23T18:01:48.739Z")  # contact_inbox.created_at
    assert chat.ended_at == _epoch(1627063520)  # the resolve event's timestamp
    assert (chat.customer.external_id, chat.customer.name, chat.customer.email) == (
        "12",
        "jane",
        "jane@acme.inc",
    )
    assert [(a.external_id, a.name) for a in chat.agents.all()] == [("1", "John")]
    # message_type 3 is a template: the bot asking for an email address
    assert _lines(chat) == [("bot", "", "Get notified by email", _epoch(1627063369))]
    assert not hasattr(chat, "survey")


@pytest.mark.django_db
def test_chatwoot_status_changed_to_open_is_an_open_chat(real_sample):
    status, _, _ = _import(
        real_sample("chatwoot/chatwoot_conversation_status_changed.json"), "chatwoot"
    )
    assert status == 0
    assert Chat.objects.get(source="chatwoot", external_id="10").ended_at is None


@pytest.mark.django_db
def test_chatwoot_message_created_adds_the_event_message_to_its_conversation(real_sample):
    status, _, _ = _import(real_sample("chatwoot/chatwoot_message_created.json"), "chatwoot")
    assert status == 0
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert _lines(chat) == [  # in time order: the customer wrote a second before the template
        ("customer", "little-haze-776", "hi", _at("2021-07-23T18:02:48Z")),
        ("bot", "", "Get notified by email", _epoch(1627063369)),
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

    _corrupt(path, add_csat)
    assert _import(path, "chatwoot")[0] == 0
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert (chat.survey.rating, chat.survey.comment) == (4, "helpful")
    assert "internal: check refund" not in [m.text for m in chat.messages.all()]


@pytest.mark.django_db
def test_chatwoot_corrupted_message_type_is_rejected_whole_and_kept(real_sample):
    path = real_sample("chatwoot/chatwoot_conversation_resolved.json")
    raw = _corrupt(path, lambda data: data["messages"][0].update(message_type=9))
    status, out, err = _import(path, "chatwoot")
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
    status, _, err = _import(path, "chatwoot")
    assert status == 1
    assert "not valid JSON" in err
    assert Path(f"{path}.rejected.jsonl").read_bytes().rstrip(b"\n") == raw.rstrip(b"\n")
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_chatwoot_event_without_conversation_is_rejected(tmp_path):
    path = tmp_path / "contact.json"
    path.write_text(json.dumps({"event": "contact_created", "id": 3, "name": "x"}))
    status, _, err = _import(path, "chatwoot")
    assert status == 1
    assert "event 'contact_created' carries no conversation" in err


# --- LiveChat ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_livechat_chat_imports_one_chat_per_thread_with_customer_location(real_sample):
    status, out, _ = _import(real_sample("livechat/livechat_chat.json"), "livechat")
    assert status == 0, out
    chat = Chat.objects.get(source="livechat", external_id="QA37PVJ75B")
    assert chat.started_at == _at("2020-05-12T11:42:47.383000Z")
    assert chat.ended_at == _at("2020-05-12T11:42:47.383001Z")  # inactive: the last event
    assert (chat.country, chat.country_source) == ("PL", "source_system")
    assert (chat.customer.external_id, chat.customer.name) == (
        "b7eff798-f8df-4364-8059-649c35c9ed0c",
        "Thomas Anderson",
    )
    assert [(a.external_id, a.name) for a in chat.agents.all()] == [
        ("smith@example.com", "Agent Smith")
    ]
    assert chat.tags == ["support", "positive feedback"]
    assert _lines(chat) == []  # the thread holds only the pre-chat form


@pytest.mark.django_db
def test_livechat_thread_imports_messages_with_authors_and_times(real_sample):
    status, _, _ = _import(real_sample("livechat/livechat_thread.json"), "livechat")
    assert status == 0
    chat = Chat.objects.get(source="livechat", external_id="K600PKZON8")
    assert chat.ended_at is None  # thread.active is true
    at = _at("2017-10-12T15:19:21.010200Z")
    assert _lines(chat) == [("customer", "", "Hello there", at), ("customer", "", "Thank you", at)]
    assert chat.customer.external_id == "b7eff798-f8df-4364-8059-649c35c9ed0c"
    assert chat.tags == ["sales"]


@pytest.mark.django_db
def test_livechat_customer_object_in_the_same_file_completes_the_identity(real_sample):
    path = real_sample(
        "livechat/livechat_thread.json",
        "livechat/livechat_customer.json",
        "livechat/livechat_agent.json",
    )
    assert _import(path, "livechat")[0] == 0
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
    _corrupt(
        path, lambda data: data["properties"].update(rating={"score": 1, "comment": "Well done!"})
    )
    assert _import(path, "livechat")[0] == 0
    survey = Chat.objects.get(external_id="K600PKZON8").survey
    assert (survey.rating, survey.comment, survey.answers) == (5, "Well done!", {"rating": "good"})


@pytest.mark.django_db
def test_livechat_corrupted_thread_time_is_rejected(real_sample):
    path = real_sample("livechat/livechat_chat.json")
    _corrupt(path, lambda data: data["threads"][0].update(created_at="yesterday"))
    status, _, err = _import(path, "livechat")
    assert status == 1
    assert "chat.threads[0].created_at: 'yesterday' is not an ISO 8601 timestamp" in err
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_livechat_lone_event_is_rejected_with_reason(real_sample):
    status, _, err = _import(real_sample("livechat/livechat_event_message.json"), "livechat")
    assert status == 1
    assert "single LiveChat event without its thread" in err


# --- Zendesk Chat ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_zendesk_offline_message_imports_with_visitor_and_session_country(real_sample):
    status, out, _ = _import(
        real_sample("zendesk_chat/zendesk_chat_incremental_chats.json"), "zendesk_chat"
    )
    assert status == 0, out
    chat = Chat.objects.get(source="zendesk_chat", external_id="2104.10414779.SVhDCJ9flq79a")
    at = _at("2021-04-26T13:54:02Z")
    assert (chat.started_at, chat.ended_at, chat.country, chat.region) == (at, at, "US", "US-FL")
    assert (
        chat.customer.external_id,
        chat.customer.name,
        chat.customer.email,
        chat.customer.phone,
    ) == ("3.45678", "Jiny", "visitor_jiny@doe.com", "+32178763521")
    assert _lines(chat) == [("customer", "Jiny", "Hi there!", at)]
    assert not hasattr(chat, "survey")


@pytest.mark.django_db
def test_zendesk_live_chat_history_rating_and_agents(real_sample):
    path = real_sample("zendesk_chat/zendesk_chat_incremental_chats.json")

    def to_live_chat(data: dict[str, Any]) -> None:
        chat = data["chats"][0]
        chat.update(
            type="chat",
            duration=120,
            rating="bad",
            comment="slow",
            agent_ids=["361"],
            agent_names=["Kim"],
            history=[
                {"type": "chat.memberjoin", "nick": "visitor", "timestamp": "2021-04-26T13:54:02Z"},
                {
                    "type": "chat.msg",
                    "nick": "visitor",
                    "name": "Jiny",
                    "msg": "Hi there!",
                    "timestamp": "2021-04-26T13:54:02Z",
                },
                {
                    "type": "chat.msg",
                    "nick": "agent:361",
                    "name": "Kim",
                    "msg": "Hello Jiny",
                    "timestamp": "2021-04-26T13:54:40Z",
                },
                {
                    "type": "chat.msg",
                    "nick": "agent:trigger",
                    "name": "Bot",
                    "msg": "Rate us",
                    "timestamp": "2021-04-26T13:55:00Z",
                },
            ],
        )

    _corrupt(path, to_live_chat)
    assert _import(path, "zendesk_chat")[0] == 0
    chat = Chat.objects.get(source="zendesk_chat")
    assert chat.ended_at == _at("2021-04-26T13:56:02Z")
    assert [(s, a) for s, a, _, _ in _lines(chat)] == [
        ("customer", "Jiny"),
        ("agent", "Kim"),
        ("bot", "Bot"),
    ]
    assert chat.messages.get(position=1).agent.external_id == "361"
    assert (chat.survey.rating, chat.survey.comment) == (1, "slow")


@pytest.mark.django_db
def test_zendesk_bad_chat_is_rejected_while_good_ones_in_the_page_import(real_sample):
    path = real_sample("zendesk_chat/zendesk_chat_incremental_chats.json")

    def add_bad(data: dict[str, Any]) -> None:
        bad = json.loads(json.dumps(data["chats"][0]))
        bad.update(id="bad-1", timestamp="26/04/2021")
        data["chats"].append(bad)

    _corrupt(path, add_bad)
    status, out, err = _import(path, "zendesk_chat")
    assert status == 1
    assert "imported 1, already present 0, rejected 1" in out
    assert "chat 2: rejected: timestamp: '26/04/2021' is not an ISO 8601 timestamp" in err
    kept = json.loads(Path(f"{path}.rejected.jsonl").read_bytes())
    assert kept["id"] == "bad-1"
    assert not Chat.objects.filter(external_id="bad-1").exists()


# --- Intercom -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intercom_conversation_and_contact_import(real_sample):
    path = real_sample("intercom/intercom_conversation.json", "intercom/intercom_contact.json")
    status, out, _ = _import(path, "intercom")
    assert status == 0, out
    chat = Chat.objects.get(source="intercom", external_id="503")
    assert chat.started_at == _epoch(1734537511)
    assert chat.ended_at == _epoch(1740141857)  # closed: the latest part
    # the contact is matched by the workspace's external_id "70"
    assert (chat.customer.name, chat.customer.email) == ("Joe Bloggs", "joe@bloggs.com")
    assert _lines(chat) == [
        ("agent", "Ciaran176 Lee", "this is the message body", _epoch(1734537511)),
        ("agent", "Operator", "Okay!", _epoch(1663597223)),
    ]
    assert chat.messages.get(position=1).agent.external_id == "274"
    assert chat.tags == ["test tag"]
    assert not hasattr(chat, "survey")


@pytest.mark.django_db
def test_intercom_rating_and_html_body(real_sample):
    path = real_sample("intercom/intercom_conversation.json")

    def rate(data: dict[str, Any]) -> None:
        data["conversation_rating"] = {"rating": 3, "remark": "ok &amp; fine"}
        data["conversation_parts"]["conversation_parts"].append(
            {
                "type": "conversation_part",
                "id": 5,
                "part_type": "comment",
                "body": "<p>Line one<br>Line &amp; two</p>",
                "created_at": 1740141860,
                "author": {"type": "user", "id": "6762f1261bb69f9f2193bba7", "name": "Joe"},
            }
        )

    _corrupt(path, rate)
    assert _import(path, "intercom")[0] == 0
    chat = Chat.objects.get(source="intercom")
    assert chat.survey.rating == 3
    assert _lines(chat)[-1][:3] == ("customer", "Joe", "Line one\nLine & two")


@pytest.mark.django_db
def test_intercom_corrupted_author_type_is_rejected(real_sample):
    path = real_sample("intercom/intercom_conversation.json")
    _corrupt(
        path,
        lambda data: data["conversation_parts"]["conversation_parts"][0]["author"].update(
            type="alien"
        ),
    )
    status, _, err = _import(path, "intercom")
    assert status == 1
    assert "conversation_parts[0].author.type: 'alien' is not an Intercom author type" in err
    assert not Chat.objects.exists()


# --- Twilio Conversations ---------------------------------------------------------------------

TWILIO = (
    "twilio_conversations/twilio_conversation.json",
    "twilio_conversations/twilio_conversation_messages.json",
    "twilio_conversations/twilio_conversation_participant.json",
)


@pytest.mark.django_db
def test_twilio_conversation_messages_and_participant_import(real_sample):
    status, out, _ = _import(real_sample(*TWILIO), "twilio")
    assert status == 0, out
    chat = Chat.objects.get(source="twilio", external_id="CHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert chat.started_at == _at("2015-12-16T22:18:37Z")
    assert chat.ended_at is None  # state "active": the timers are only planned
    # the SMS participant is the customer; +1 555 01xx numbers are fictional, so no country is
    # inferred from it and the chat waits for QA instead of being guessed
    assert chat.customer.phone == "+15558675310"
    assert (chat.country, chat.country_source) == ("", "unknown")
    assert _lines(chat) == [
        ("customer", "pie_preferrer", "I like pie.", _at("2016-03-24T20:37:57Z")),
        ("customer", "cake_lover", "Cake is my favorite!", _at("2016-03-24T20:38:21Z")),
        ("customer", "cake_lover", "[media: car.jpg (image/jpeg)]", _at("2016-03-24T20:38:21Z")),
    ]
    assert chat.tags == ["feedback"]


@pytest.mark.django_db
def test_twilio_messages_without_their_conversation_are_rejected(real_sample):
    path = real_sample(TWILIO[1], TWILIO[2])
    status, _, err = _import(path, "twilio")
    assert status == 1
    assert "without their conversation resource" in err
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_twilio_corrupted_message_date_is_rejected_whole(real_sample, tmp_path):
    messages = json.loads(real_sample(TWILIO[1]).read_bytes())
    messages["messages"][1]["date_created"] = "not a date"
    path = tmp_path / "bundle.json"
    path.write_bytes(
        b"\n".join(
            [
                real_sample(TWILIO[0]).read_bytes(),
                json.dumps(messages).encode(),
                real_sample(TWILIO[2]).read_bytes(),
            ]
        )
    )
    status, _, err = _import(path, "twilio")
    assert status == 1
    assert "messages[1].date_created: 'not a date' is not an ISO 8601 timestamp" in err
    assert not Chat.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_reimporting_a_real_sample_is_a_no_op(real_sample):
    path = real_sample(*TWILIO)
    _import(path, "twilio")
    status, out, _ = _import(path, "twilio")
    assert status == 0
    assert "imported 0, already present 1" in out
    assert Message.objects.count() == 3
