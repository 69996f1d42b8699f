"""SPEC §3 update rule (issue #20 item 1): a later, fuller copy of an undeclared chat completes
it; a later copy of a declared chat changes nothing and is kept as a correction annotation.

Hostile cases first: a copy that rewrites an earlier message, a shorter copy carrying only the
newest message, an older copy arriving after a fuller one, a replay of a correction.
"""

import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from chats.interchange import chat_payload_from_dict
from chats.models import Chat, ChatCorrection, ChatSourceDocument, Message
from chats.services.import_batch import chat_import, chat_import_outcome
from redaction.selectors import chats_pending_redaction
from redaction.services import chats_redact
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db


def _msg(i, text, **extra):
    sender = "customer" if i % 2 == 0 else "agent"
    return {"sender": sender, "sent_at": f"2025-03-01T14:{i:02d}:00+00:00", "text": text, **extra}


def _open_chat(**overrides):
    fields = {
        "external_id": "cw-1",
        "ended_at": None,
        "survey": None,
        "messages": [_msg(0, "My parcel is late", external_id="m0"), _msg(1, "Let me check")],
        **overrides,
    }
    data = chat_dict(**fields)
    chat, outcome = chat_import_outcome(payload=chat_payload_from_dict(data))
    assert outcome == "created"
    return chat, data


def _outcome(data):
    return chat_import_outcome(payload=chat_payload_from_dict(data))


def _texts(chat):
    return list(
        Message.objects.filter(chat=chat).order_by("position").values_list("text", flat=True)
    )


def test_a_copy_that_rewrites_an_earlier_message_never_changes_it_and_is_kept_apart():
    chat, data = _open_chat()
    edited = {**data, "messages": [_msg(0, "Something else entirely", external_id="m0")]}

    _, outcome = _outcome(edited)

    assert outcome == "correction"
    assert _texts(chat) == ["My parcel is late", "Let me check"]
    (correction,) = ChatCorrection.objects.filter(chat=chat)
    assert correction.differences == ["messages[0].text"]
    assert "Something else" not in json.dumps(correction.differences)


def test_a_shorter_copy_with_only_the_newest_message_appends_it_once():
    chat, data = _open_chat()
    newest = {**data, "messages": [_msg(2, "Found it, arriving today", external_id="m2")]}
    newest["messages"][0]["sender"] = "agent"

    _, outcome = _outcome(newest)
    _, again = _outcome(newest)

    assert (outcome, again) == ("updated", "unchanged")
    assert _texts(chat) == ["My parcel is late", "Let me check", "Found it, arriving today"]
    assert Message.objects.get(chat=chat, position=2).external_id == "m2"


def test_a_fuller_copy_completes_messages_end_survey_tags_and_empty_customer_fields():
    chat, data = _open_chat(customer={"external_id": "c-77", "email": "bo@example.ca"})
    chats_redact(now=timezone.now())
    fuller = {
        **data,
        "ended_at": "2025-03-01T14:30:00+00:00",
        "customer": {"external_id": "c-77", "email": "bo@example.ca", "name": "Bo Chen"},
        "messages": [*data["messages"], _msg(2, "Thanks Bo, it ships today")],
        "survey": {"rating": 5, "resolved": True, "comment": "great"},
        "tags": ["billing", "delivery"],
    }

    _, outcome = _outcome(fuller)

    chat.refresh_from_db()
    assert outcome == "updated"
    assert chat.ended_at == datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    assert chat.survey.rating == 5
    assert chat.tags == ["billing", "delivery"]
    assert chat.customer.name == "Bo Chen"
    assert _texts(chat)[-1] == "Thanks Bo, it ships today"
    assert chat.history.filter(history_type="~").count() == 1
    # the derived layers are redone: the chat is pending redaction again
    assert chats_pending_redaction().filter(pk=chat.pk).exists()
    chats_redact(now=timezone.now())
    assert "Bo" not in Message.objects.get(chat=chat, position=2).text_redacted
    assert ChatSourceDocument.objects.filter(chat=chat).count() == 2


def test_an_older_copy_after_a_fuller_one_loses_nothing():
    chat, data = _open_chat()
    fuller = {**data, "messages": [*data["messages"], _msg(2, "Any news?")]}
    fuller["ended_at"] = "2025-03-01T14:40:00+00:00"
    assert _outcome(fuller)[1] == "updated"

    _, outcome = _outcome(data)

    chat.refresh_from_db()
    assert outcome == "unchanged"
    assert len(_texts(chat)) == 3
    assert chat.ended_at is not None


def test_reopened_and_resolved_again_takes_the_later_end_time():
    chat, data = _open_chat(ended_at="2025-03-01T14:10:00+00:00")
    again = {**data, "ended_at": "2025-03-01T15:00:00+00:00"}
    again["messages"] = [*data["messages"], _msg(50, "Reopening: it never came")]

    assert _outcome(again)[1] == "updated"

    chat.refresh_from_db()
    assert chat.ended_at == datetime(2025, 3, 1, 15, 0, tzinfo=UTC)


def test_a_later_copy_of_a_declared_chat_changes_nothing_and_is_a_correction():
    chat, data = _open_chat(ended_at="2025-03-01T14:10:00+00:00")
    Chat.objects.filter(pk=chat.pk).update(locked_at=timezone.now())
    later = {**data, "messages": [*data["messages"], _msg(2, "One more thing")]}
    later["survey"] = {"rating": 1}

    _, outcome = _outcome(later)
    _, replayed = _outcome(later)

    assert (outcome, replayed) == ("correction", "unchanged")
    assert len(_texts(chat)) == 2
    assert not hasattr(Chat.objects.get(pk=chat.pk), "survey") or chat.survey is None
    (correction,) = ChatCorrection.objects.filter(chat=chat)
    assert correction.differences == ["messages: 1 new", "survey.rating"]
    assert correction.source_document is not None
    assert AuditEvent.objects.filter(action="chat.correction_received").count() == 1


def test_the_same_content_again_is_a_no_op_that_keeps_no_second_document():
    chat, data = _open_chat()
    before = chat.history.count()

    created = chat_import(payload=chat_payload_from_dict(data))[1]

    assert created is False
    assert _outcome(data)[1] == "unchanged"
    assert chat.history.count() == before
    assert ChatSourceDocument.objects.filter(chat=chat).count() == 1


def test_import_chats_prints_every_outcome_in_the_summary(tmp_path, capsys):
    declared = chat_dict(external_id="d-1")
    open_chat = chat_dict(external_id="o-1", ended_at=None)
    same = chat_dict(external_id="s-1")
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(json.dumps(c) for c in (declared, open_chat, same)) + "\n")
    call_command("import_chats", str(first))
    Chat.objects.filter(external_id="d-1").update(locked_at=timezone.now())
    declared["messages"] = [*declared["messages"], _msg(9, "late line")]
    open_chat["ended_at"] = "2025-03-01T15:00:00+00:00"
    second = tmp_path / "second.jsonl"
    lines = [json.dumps(c) for c in (declared, open_chat, same, chat_dict(external_id="n-1"))]
    second.write_text("\n".join([*lines, "{broken"]) + "\n")

    with pytest.raises(SystemExit):
        call_command("import_chats", str(second))

    out = capsys.readouterr().out
    assert f"{second}: imported 1, updated 1, already present 1, corrections 1, rejected 1" in out


def test_the_api_answers_the_outcome_and_200_with_the_existing_id(admin_api):
    data = chat_dict(external_id="api-1", ended_at=None)
    first = admin_api.post("/api/v1/chats/", data, format="json")
    same = admin_api.post("/api/v1/chats/", data, format="json")
    data["ended_at"] = "2025-03-01T15:00:00+00:00"
    updated = admin_api.post("/api/v1/chats/", data, format="json")

    assert (first.status_code, first.json()["outcome"]) == (201, "created")
    assert (same.status_code, same.json()["outcome"]) == (200, "unchanged")
    assert (updated.status_code, updated.json()["outcome"]) == (200, "updated")
    assert first.json()["id"] == same.json()["id"] == updated.json()["id"]
