from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from chats.models import Chat
from chats.selectors import chat_extras
from core.exceptions import ApplicationError
from records.models import DeclarationRule, Record, RecordClass, RetentionSchedule
from records.services import record_class_correct, record_country_correct, records_declare
from retention import receivers
from retention.models import LegalHold
from retention.services.holds import legal_hold_place
from tests.factories import make_chat


class WorkerKilled(BaseException):
    """A killed worker, not a failing chat: a chat's failure is an Exception, isolated
    per chat (issue #12); a kill stops the job and rolls back its open chunk."""


pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)
BOT_ONLY = [
    {"sender": "bot", "sent_at": "2025-03-01T14:02:11+00:00", "text": "Hi, how can I help?"},
    {"sender": "customer", "sent_at": "2025-03-01T14:02:30+00:00", "text": "order status"},
]


def test_seed_file_plan_loads_spec_section_6_and_is_idempotent():
    call_command("seed_file_plan")
    call_command("seed_file_plan")
    plan = {
        (s.record_class.code, s.jurisdiction): (s.retention_years, s.pii_period_days, s.action)
        for s in RetentionSchedule.objects.select_related("record_class")
    }
    assert plan == {
        ("CS-CHAT", "*"): (6, 365, "destroy"),
        ("CS-CHAT", "US"): (5, 365, "destroy"),
        ("CS-CHAT", "CA"): (6, 365, "destroy"),
        ("CS-CHAT-COMPLAINT", "*"): (6, 365, "destroy"),
        ("CS-TRANSITORY", "*"): (3, 90, "destroy"),
        ("CS-TREND-ROLLUP", "*"): (10, None, "destroy"),
    }
    assert not RecordClass.objects.get(code="CS-TRANSITORY").is_record
    assert DeclarationRule.objects.count() == 4


def test_declaration_rules_pick_transitory_complaint_and_default(file_plan):
    bot = make_chat(messages=BOT_ONLY)
    empty = make_chat(messages=[])
    complaint = make_chat(tags=["complaint"])
    worded = make_chat(
        messages=[
            {
                "sender": "customer",
                "sent_at": "2025-03-01T14:02:11+00:00",
                "text": "I want to file a formal Complaint",
            },
            {"sender": "agent", "sent_at": "2025-03-01T14:03:11+00:00", "text": "Of course"},
        ]
    )
    normal = make_chat()
    open_chat = make_chat(ended_at=None)
    later = make_chat(started_at=NOW + timedelta(days=1))
    summary = records_declare(now=NOW)
    classes = dict(Record.objects.values_list("chat_id", "record_class__code"))
    assert classes == {
        bot.pk: "CS-TRANSITORY",
        empty.pk: "CS-TRANSITORY",
        complaint.pk: "CS-CHAT-COMPLAINT",
        worded.pk: "CS-CHAT-COMPLAINT",
        normal.pk: "CS-CHAT",
    }
    assert open_chat.pk not in classes
    assert later.pk not in classes
    assert summary.declared == 5
    normal.refresh_from_db()
    assert normal.locked_at == NOW
    assert normal.history.first().history_change_reason == "record declared: transcript locked"


def test_declare_is_idempotent(file_plan):
    make_chat()
    make_chat()
    records_declare(now=NOW)
    before = list(Record.objects.values_list("pk", "chat_id", "disposition_due"))
    second = records_declare(now=NOW)
    assert second.declared == 0
    assert list(Record.objects.values_list("pk", "chat_id", "disposition_due")) == before
    assert Record.history.count() == 2


def test_declare_batched(file_plan):
    chats = [make_chat() for _ in range(5)]
    summary = records_declare(now=NOW, chunk_size=2)
    assert summary.declared == 5
    assert set(Record.objects.values_list("chat_id", flat=True)) == {c.pk for c in chats}


def test_declare_interrupted_leaves_nothing_half_done(file_plan, monkeypatch):
    chats = [make_chat() for _ in range(5)]
    # The holds are applied by retention's receiver of records_declared, inside the chunk.
    real = receivers.legal_holds_apply
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(receivers, "legal_holds_apply", flaky)
    with pytest.raises(WorkerKilled):
        records_declare(now=NOW, chunk_size=2)
    # First chunk committed completely; the second rolled back completely (no lock, no record).
    assert Record.objects.count() == 2
    assert Chat.objects.filter(locked_at__isnull=False).count() == 2
    monkeypatch.setattr(receivers, "legal_holds_apply", real)
    records_declare(now=NOW, chunk_size=2)
    assert set(Record.objects.values_list("chat_id", flat=True)) == {c.pk for c in chats}


def test_declared_record_gets_retention_and_active_holds(file_plan, manager_user):
    legal_hold_place(matter="m", reason="r", scope={"countries": ["US"]}, issued_by=manager_user)
    chat = make_chat(country="US", region="", started_at="2020-05-01T10:00:00+00:00")
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    assert record.status == "active"
    assert record.jurisdiction == "US"
    assert record.disposition_due == chat.ended_at.replace(year=2025)
    assert record.pii_purge_due == chat.ended_at + timedelta(days=365)
    assert LegalHold.objects.get().coverage.filter(record=record).exists()


def test_unknown_country_is_flagged_without_date(file_plan):
    chat = make_chat(country="", region="", customer=None)
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    assert record.status == "flagged"
    assert record.disposition_due is None
    # Issue #12 item 9b: the originals go at the longest PII period of the class (365 days).
    assert record.pii_purge_due == chat.ended_at + timedelta(days=365)


def test_country_correction_recomputes_audits_and_keeps_history(file_plan, manager_user):
    chat = make_chat(country="", region="", customer=None, started_at="2019-05-01T10:00:00+00:00")
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    corrected = record_country_correct(
        record=record, country="us", region="", corrected_by=manager_user, reason="QA checked"
    )
    assert corrected.status == "active"
    assert corrected.jurisdiction == "US"
    assert corrected.disposition_due == chat.ended_at.replace(year=2024)
    chat.refresh_from_db()
    assert (chat.country, chat.country_source, chat.country_confidence) == ("US", "qa_verified", 1)
    assert chat.history.first().history_change_reason == "QA checked"
    event = AuditEvent.objects.get(action="record.country_corrected")
    assert event.data["after"] == {"country": "US", "region": ""}
    reasons = list(corrected.history.values_list("history_change_reason", flat=True))
    assert "country corrected: QA checked" in reasons


def test_country_correction_validates(file_plan, manager_user, declared_chat):
    chat = declared_chat()
    with pytest.raises(ApplicationError):
        record_country_correct(
            record=chat.record, country="Canada", region="", corrected_by=manager_user, reason="x"
        )
    with pytest.raises(ApplicationError):
        record_country_correct(
            record=chat.record, country="CA", region="US-NY", corrected_by=manager_user, reason="x"
        )
    chat.record.refresh_from_db()
    assert chat.record.jurisdiction == "CA"


def test_class_correction_recomputes(file_plan, manager_user, declared_chat):
    chat = declared_chat(country="US", region="", started_at="2020-01-01T00:00:00+00:00")
    transitory = RecordClass.objects.get(code="CS-TRANSITORY")
    record = record_class_correct(
        record=chat.record, record_class=transitory, corrected_by=manager_user, reason="bot chat"
    )
    assert record.disposition_due == chat.ended_at.replace(year=2023)


def test_chat_extra_record(file_plan, declared_chat, manager_user):
    chat = declared_chat()
    hold = legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [chat.record.pk]}, issued_by=manager_user
    )
    extra = chat_extras([chat.pk])[chat.pk]["record"]
    assert extra["id"] == chat.record.pk
    assert extra["record_class"] == "CS-CHAT"
    assert extra["status"] == "active"
    assert extra["holds"] == [hold.pk]
    assert extra["disposition_due"].startswith("2031-03-01")
