"""Each real example payload of shared/formats imports into a chat whose messages, authors,
timestamps and rating match it; a corrupted copy is rejected with the problem named, kept
verbatim, and nothing of it is imported."""

import json
from pathlib import Path
from typing import Any

import pytest

from chats.models import Chat, Message
from tests.integrations.importing import corrupt, epoch, import_sample, message_lines, moment


@pytest.mark.django_db
def test_zendesk_offline_message_imports_with_visitor_and_session_country(real_sample):
    status, out, _ = import_sample(
        real_sample("zendesk_chat/zendesk_chat_incremental_chats.json"), "zendesk_chat"
    )
    assert status == 0, out
    chat = Chat.objects.get(source="zendesk_chat", external_id="2104.10414779.SVhDCJ9flq79a")
    at = moment("2021-04-26T13:54:02Z")
    assert (chat.started_at, chat.ended_at, chat.country, chat.region) == (at, at, "US", "US-FL")
    assert (
        chat.customer.external_id,
        chat.customer.name,
        chat.customer.email,
        chat.customer.phone,
    ) == ("3.45678", "Jiny", "visitor_jiny@doe.com", "+32178763521")
    assert message_lines(chat) == [("customer", "Jiny", "Hi there!", at)]
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

    corrupt(path, to_live_chat)
    assert import_sample(path, "zendesk_chat")[0] == 0
    chat = Chat.objects.get(source="zendesk_chat")
    assert chat.ended_at == moment("2021-04-26T13:56:02Z")
    assert [(s, a) for s, a, _, _ in message_lines(chat)] == [
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

    corrupt(path, add_bad)
    status, out, err = import_sample(path, "zendesk_chat")
    assert status == 1
    assert "imported 1, updated 0, already present 0, corrections 0, rejected 1" in out
    assert "chat 2: rejected: timestamp: '26/04/2021' is not an ISO 8601 timestamp" in err
    kept = json.loads(Path(f"{path}.rejected.jsonl").read_bytes())
    assert kept["id"] == "bad-1"
    assert not Chat.objects.filter(external_id="bad-1").exists()


# --- Intercom -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intercom_conversation_and_contact_import(real_sample):
    path = real_sample("intercom/intercom_conversation.json", "intercom/intercom_contact.json")
    status, out, _ = import_sample(path, "intercom")
    assert status == 0, out
    chat = Chat.objects.get(source="intercom", external_id="503")
    assert chat.started_at == epoch(1734537511)
    assert chat.ended_at == epoch(1740141857)  # closed: the latest part
    # the contact is matched by the workspace's external_id "70"
    assert (chat.customer.name, chat.customer.email) == ("Joe Bloggs", "joe@bloggs.com")
    assert message_lines(chat) == [
        ("agent", "Ciaran176 Lee", "this is the message body", epoch(1734537511)),
        ("agent", "Operator", "Okay!", epoch(1663597223)),
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

    corrupt(path, rate)
    assert import_sample(path, "intercom")[0] == 0
    chat = Chat.objects.get(source="intercom")
    assert chat.survey.rating == 3
    assert message_lines(chat)[-1][:3] == ("customer", "Joe", "Line one\nLine & two")


@pytest.mark.django_db
def test_intercom_corrupted_author_type_is_rejected(real_sample):
    path = real_sample("intercom/intercom_conversation.json")
    corrupt(
        path,
        lambda data: data["conversation_parts"]["conversation_parts"][0]["author"].update(
            type="alien"
        ),
    )
    status, _, err = import_sample(path, "intercom")
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
    status, out, _ = import_sample(real_sample(*TWILIO), "twilio")
    assert status == 0, out
    chat = Chat.objects.get(source="twilio", external_id="CHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert chat.started_at == moment("2015-12-16T22:18:37Z")
    assert chat.ended_at is None  # state "active": the timers are only planned
    # the SMS participant is the customer; +1 555 01xx numbers are fictional, so no country is
    # inferred from it and the chat waits for QA instead of being guessed
    assert chat.customer.phone == "+15558675310"
    assert (chat.country, chat.country_source) == ("", "unknown")
    assert message_lines(chat) == [
        ("customer", "pie_preferrer", "I like pie.", moment("2016-03-24T20:37:57Z")),
        ("customer", "cake_lover", "Cake is my favorite!", moment("2016-03-24T20:38:21Z")),
        (
            "customer",
            "cake_lover",
            "[attachment: car.jpg, image/jpeg]",
            moment("2016-03-24T20:38:21Z"),
        ),
    ]
    assert chat.tags == ["feedback"]


@pytest.mark.django_db
def test_twilio_messages_without_their_conversation_make_a_partial_chat(real_sample):
    """Issue #20 item 6: resources exported in separate files must not block one another; the
    conversation resource imported later completes the chat (update rule, SPEC §3)."""
    path = real_sample(TWILIO[1], TWILIO[2])
    status, _, err = import_sample(path, "twilio")
    assert status == 0, err
    chat = Chat.objects.get(source="twilio", external_id="CHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert chat.started_at == moment("2016-03-24T20:37:57Z")  # the earliest message or participant
    assert chat.messages.count() == 3


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
    status, _, err = import_sample(path, "twilio")
    assert status == 1
    assert "messages[1].date_created: 'not a date' is not an ISO 8601 timestamp" in err
    assert not Chat.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_reimporting_a_real_sample_is_a_no_op(real_sample):
    path = real_sample(*TWILIO)
    import_sample(path, "twilio")
    status, out, _ = import_sample(path, "twilio")
    assert status == 0
    assert "imported 0, updated 0, already present 1" in out
    assert Message.objects.count() == 3


@pytest.mark.django_db
def test_twilio_media_with_documented_capitalised_keys_keeps_its_name_and_type(real_sample):
    """Issue #20 item 5: Twilio documents the media object as `Filename`/`ContentType`; reading
    only the lower-case keys stored `[media:  ()]`."""
    conversation, messages, participant = (real_sample(name) for name in TWILIO)
    data = json.loads(messages.read_bytes())
    for message in data["messages"]:
        for media in message.get("media") or []:
            media["Filename"] = media.pop("filename")
            media["ContentType"] = media.pop("content_type")
    combined = conversation.parent / "twilio_capitalised.json"
    combined.write_bytes(
        b"\n".join([conversation.read_bytes(), json.dumps(data).encode(), participant.read_bytes()])
    )
    assert import_sample(combined, "twilio")[0] == 0
    texts = [line[2] for line in message_lines(Chat.objects.get(source="twilio"))]
    assert "[attachment: car.jpg, image/jpeg]" in texts
