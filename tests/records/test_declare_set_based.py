"""declare_records, set-based (issue #19): the same records as the per-chat computation it
replaced, and a run killed mid-way resumes without a duplicate.

The reference below is the previous algorithm, chat by chat through the ORM: rule summary from
separate count and text queries, the digest from chats_transcript_digests, retention from
records_retention_fill on a fresh record. The job must agree with it on every field."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from chats.digests import chats_transcript_digests
from chats.models import Chat, Message, SenderRole, Survey
from records import declare
from records.models import DeclarationRule, Record
from records.recompute import RETENTION_FIELDS, records_retention_fill
from records.rules import ChatSummary, declaration_rule_first, period_add
from records.services import records_declare
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)
COMPARED = ["record_class_id", "declared_by_rule_id", "transcript_sha256", *RETENTION_FIELDS]


class WorkerKilled(BaseException):
    pass


def _reference(chat: Chat) -> dict[str, object] | None:
    rules = list(DeclarationRule.objects.filter(is_active=True).order_by("position", "pk"))
    messages = Message.objects.filter(chat=chat)
    texts = list(messages.order_by("position").values_list("text", flat=True))
    survey = Survey.objects.filter(chat=chat).first()
    if survey is not None:
        texts.append(survey.comment)
    summary = ChatSummary(
        source=chat.source,
        country=chat.country,
        customer_messages=messages.filter(sender=SenderRole.CUSTOMER).count(),
        agent_messages=messages.filter(sender=SenderRole.AGENT).count(),
        tags=frozenset(str(tag).lower() for tag in chat.tags),
        text="\n".join(texts).lower(),
    )
    rule = declaration_rule_first(rules, summary)
    if rule is None:
        return None
    record = Record(chat=chat, record_class=rule.record_class, declared_by_rule=rule)
    record.transcript_sha256 = chats_transcript_digests([chat.pk], layer="original")[chat.pk]
    records_retention_fill([record], now=NOW)
    return {name: getattr(record, name) for name in COMPARED}


def _varied_chats() -> list[Chat]:
    agent = {"sender": "agent", "sent_at": "2024-02-29T23:59:59.999999+00:00", "text": "Sure"}
    return [
        make_chat(),
        make_chat(tags=["Complaint"]),
        make_chat(country="", region="", customer=None),
        make_chat(country="US", region="", started_at="2020-02-29T23:40:00+00:00"),
        make_chat(
            messages=[
                {
                    "sender": "customer",
                    "sent_at": "2024-02-29T23:59:59.123456+00:00",
                    "text": "Je veux déposer une plainte, a formal COMPLAINT",
                },
                agent,
            ],
            survey=None,
        ),
        make_chat(
            messages=[{"sender": "bot", "sent_at": "2025-03-01T14:00:00+00:00", "text": "Hi"}]
        ),
        make_chat(messages=[]),
        make_chat(country="GB", region="", survey={"rating": 1, "comment": "awful"}),
    ]


def test_declared_records_match_the_per_chat_computation(file_plan):
    chats = _varied_chats()
    expected = {chat.pk: _reference(chat) for chat in chats}
    records_declare(now=NOW, chunk_size=3)
    declared = {record.chat_id: record for record in Record.objects.all()}
    for chat in chats:
        if expected[chat.pk] is None:
            assert chat.pk not in declared
            continue
        record = declared[chat.pk]
        assert {name: getattr(record, name) for name in COMPARED} == expected[chat.pk], chat.pk
        assert record.declared_at == NOW
    # And the digest is the one verify_transcripts recomputes.
    digests = chats_transcript_digests(list(declared), layer="original")
    assert {c: r.transcript_sha256 for c, r in declared.items()} == digests


def test_a_run_killed_mid_way_resumes_without_duplicates(file_plan, monkeypatch):
    chats = [make_chat() for _ in range(7)]
    real = declare.webhook_events_emit
    calls = {"n": 0}

    def killed_on_third_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(declare, "webhook_events_emit", killed_on_third_chunk)
    with pytest.raises(WorkerKilled):
        records_declare(now=NOW, chunk_size=2)
    assert Record.objects.count() == 4  # two chunks committed, the third rolled back whole
    assert Chat.objects.filter(locked_at__isnull=False).count() == 4
    assert Chat.history.filter(history_change_reason=declare.LOCK_REASON).count() == 4
    monkeypatch.setattr(declare, "webhook_events_emit", real)
    resumed = records_declare(now=NOW, chunk_size=2)
    assert resumed.declared == 3
    assert sorted(Record.objects.values_list("chat_id", flat=True)) == sorted(c.pk for c in chats)
    assert Record.history.count() == 7  # one "declared" row per record, none twice
    assert Chat.history.filter(history_change_reason=declare.LOCK_REASON).count() == 7


def test_period_add_is_relativedelta():
    generator = random.Random(19)
    zones = [ZoneInfo("America/Toronto"), ZoneInfo("Europe/Paris"), UTC]
    for _ in range(5000):
        moment = datetime(
            generator.randint(1, 9999),
            generator.randint(1, 12),
            generator.randint(1, 28),
            generator.randint(0, 23),
            tzinfo=generator.choice(zones),
        ) + timedelta(days=generator.randint(0, 3))
        years, months, days = (
            generator.randint(-30, 120),
            generator.randint(-30, 30),
            generator.randint(-400, 4000),
        )
        try:
            expected: object = moment + relativedelta(years=years, months=months, days=days)
        except (ValueError, OverflowError) as error:
            expected = type(error)
        try:
            got: object = period_add(moment, years=years, months=months, days=days)
        except (ValueError, OverflowError) as error:
            got = type(error)
        assert got == expected, (moment, years, months, days)
    assert period_add(datetime(2024, 2, 29, tzinfo=UTC), years=1, months=0, days=0) == datetime(
        2025, 2, 28, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="out of range"):
        period_add(datetime(9999, 6, 1, tzinfo=UTC), years=1, months=0, days=0)
