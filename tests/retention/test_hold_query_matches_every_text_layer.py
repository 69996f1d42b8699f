"""A hold's text query covers every layer a record's words live in: both layers of messages,
survey comments and answers, tags and the customer's identity — also after the originals were
purged, and the preview says when it searched purged text."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from chats.models import Chat, Message, Survey
from records.models import Record, RecordStatus
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.holds import hold_scope_preview, legal_hold_place
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _record(**overrides: Any) -> Record:
    from records.services import records_declare

    values: dict[str, Any] = {
        "started_at": "2016-01-05T10:00:00+00:00",
        "country": "US",
        "region": "",
        **overrides,
    }
    chat = make_chat(**values)
    records_declare(now=NOW)
    return Record.objects.get(chat=chat)


def _redact_and_purge(record: Record, *, comment: str = "", answers: Any = None) -> None:
    for message in Message.objects.filter(chat_id=record.chat_id):
        message.text_redacted = message.text.replace("Ana", "[PERSON_1]")
        message.save()
    survey = Survey.objects.get(chat_id=record.chat_id)
    survey.comment_redacted = comment or survey.comment
    survey.answers_redacted = answers if answers is not None else survey.answers
    survey.save()
    Chat.objects.filter(pk=record.chat_id).update(redacted_at=NOW)
    assert pii_originals_purge(now=NOW).purged == 1
    record.refresh_from_db()
    assert record.pii_purged_at is not None
    assert Survey.objects.get(chat_id=record.chat_id).comment == ""


def test_hold_query_matches_every_text_layer(file_plan: None, manager_user: User) -> None:
    record = _record(
        survey={
            "rating": 2,
            "resolved": False,
            "comment": "the blender arrived cracked",
            "answers": {},
        }
    )
    _redact_and_purge(record)
    before = list(Message.objects.filter(chat_id=record.chat_id).values_list("text_redacted"))

    details = hold_scope_preview(scope={"query": "Blender arrived"})
    assert details == 1
    hold = legal_hold_place(
        matter="Cracked blenders",
        reason="class action",
        scope={"query": "blender arrived"},
        issued_by=manager_user,
    )
    assert hold.coverage.filter(record=record).exists()
    # Held: not proposed, nothing changes.
    assert not disposal_batches_build(now=NOW)
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
    assert list(Message.objects.filter(chat_id=record.chat_id).values_list("text_redacted")) == (
        before
    )


@pytest.mark.parametrize(
    ("overrides", "query"),
    [
        ({"survey": {"rating": 3, "comment": "x", "answers": {"why": "Zorbex kettle"}}}, "zorbex"),
        (
            {"survey": {"rating": 3, "comment": "x", "answers": {"why": "un grille-pain brûlé"}}},
            "brûlé",
        ),
        ({"tags": ["warranty-claim"]}, "WARRANTY-claim"),
        (
            {"customer": {"external_id": "q1", "name": "Quentin Zapata", "email": "", "phone": ""}},
            "zapata",
        ),
        (
            {
                "customer": {
                    "external_id": "q2",
                    "name": "",
                    "email": "QZ@Mail.example",
                    "phone": "",
                }
            },
            "qz@mail",
        ),
        (
            {
                "customer": {
                    "external_id": "q3",
                    "name": "",
                    "email": "",
                    "phone": "+1 212 555 0188",
                }
            },
            "555 0188",
        ),
        (
            {
                "messages": [
                    {
                        "sender": "customer",
                        "sent_at": "2016-01-05T10:00:00+00:00",
                        "text": "my Frobnicator died",
                    }
                ]
            },
            "frobnicator",
        ),
    ],
)
def test_every_layer_is_searched(
    file_plan: None, manager_user: User, overrides: dict[str, Any], query: str
) -> None:
    record = _record(**overrides)
    _record()  # another record, not matching
    hold = legal_hold_place(matter="m", reason="r", scope={"query": query}, issued_by=manager_user)
    assert list(hold.coverage.values_list("record_id", flat=True)) == [record.pk]


def test_redacted_answers_are_searched_after_the_purge(file_plan: None, manager_user: User) -> None:
    record = _record(
        survey={"rating": 3, "comment": "", "answers": {"why": "Ana said the Zorbex leaked"}}
    )
    _redact_and_purge(record, answers={"why": "[PERSON_1] said the Zorbex leaked"})
    assert Survey.objects.get(chat_id=record.chat_id).answers == {}
    hold = legal_hold_place(
        matter="m", reason="r", scope={"query": "zorbex"}, issued_by=manager_user
    )
    assert list(hold.coverage.values_list("record_id", flat=True)) == [record.pk]


def test_the_preview_says_when_it_searched_purged_text(
    file_plan: None, manager_api: APIClient
) -> None:
    record = _record(survey={"rating": 2, "comment": "the blender arrived cracked", "answers": {}})
    _redact_and_purge(record)
    _record()  # originals intact
    response = manager_api.post(
        "/api/v1/legal-holds/preview/", {"scope": {"query": "blender"}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert body["purged_text_searched"] is True
    assert body["records_with_purged_originals"] == 1
    assert "redacted" in body["note"]

    unpurged = manager_api.post(
        "/api/v1/legal-holds/preview/", {"scope": {"countries": ["US"]}}, format="json"
    ).json()
    assert unpurged["purged_text_searched"] is False
