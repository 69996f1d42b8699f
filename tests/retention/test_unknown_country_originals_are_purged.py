"""Item 9b of issue #12: a record of unknown country keeps its place (never disposed) but not its
original text forever: originals are purged at the longest PII period of any schedule that
could apply (same record class, any jurisdiction). No schedule could apply: kept and reported."""

from datetime import UTC, datetime, timedelta

import pytest

from chats.models import Message
from core.jobs import job_run
from records.models import Record, RecordClass, RetentionSchedule
from records.schedules import retention_schedule_save
from records.services import records_declare
from retention.record_selectors import record_explanation
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.holds import legal_hold_place
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW
from tests.retention.test_purge_and_holds import _redact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _simulated_clock(settings):
    # These tests purge as of moments years ahead: the test settings' opt-in (issue #12).
    settings.ALLOW_SIMULATED_CLOCK = True


def _unknown(started_at: str) -> Record:
    chat = make_chat(country="", region="", started_at=started_at, customer=None)
    records_declare(now=NOW)
    return Record.objects.get(chat=chat)


def _texts(record: Record) -> set[str]:
    return set(Message.objects.filter(chat_id=record.chat_id).values_list("text", flat=True))


def test_unknown_country_originals_are_purged_at_the_longest_pii_period(file_plan, manager_user):
    # The longest PII period of CS-CHAT is raised for one jurisdiction only: it governs.
    ca = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="CA")
    retention_schedule_save(
        schedule=ca,
        record_class=ca.record_class,
        data={"pii_period_days": 500},
        changed_by=manager_user,
        reason="longer in CA",
        now=NOW,
    )
    record = _unknown("2026-01-01T10:00:00+00:00")
    assert record.status == "flagged"
    assert record.disposition_due is None
    assert record.pii_purge_due == record.chat.ended_at + timedelta(days=500)
    assert "500" in record_explanation(record)["summary"]
    _redact([record])
    at_365 = record.chat.ended_at + timedelta(days=400)
    assert pii_originals_purge(now=at_365).purged == 0
    assert all(_texts(record))
    after = record.chat.ended_at + timedelta(days=501)
    assert pii_originals_purge(now=after).purged == 1
    record.refresh_from_db()
    assert record.pii_purged_at is not None
    assert _texts(record) == {""}
    # The record itself stays, fail closed: never proposed for disposal.
    assert record.status == "flagged"
    assert disposal_batches_build(now=datetime(2200, 1, 1, tzinfo=UTC)) == []
    assert Record.objects.get(pk=record.pk).status == "flagged"


def test_unknown_country_held_originals_are_kept(file_plan, manager_user):
    record = _unknown("2020-01-01T10:00:00+00:00")
    _redact([record])
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [record.pk]}, issued_by=manager_user
    )
    assert pii_originals_purge(now=NOW).purged == 0
    assert all(_texts(record))


def test_unknown_country_unredacted_originals_are_kept(file_plan):
    record = _unknown("2020-01-01T10:00:00+00:00")
    assert pii_originals_purge(now=NOW).purged == 0
    assert all(_texts(record))


def test_a_schedule_without_pii_period_keeps_unknown_country_originals(file_plan, manager_user):
    us = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    retention_schedule_save(
        schedule=us,
        record_class=us.record_class,
        data={"pii_period_days": None},
        changed_by=manager_user,
        reason="originals kept until disposal in US",
        now=NOW,
    )
    record = _unknown("2020-01-01T10:00:00+00:00")
    _redact([record])
    assert record.pii_purge_due is None
    assert pii_originals_purge(now=NOW).purged == 0
    assert all(_texts(record))


def test_no_schedule_could_apply_keeps_and_reports(file_plan):
    orphan = RecordClass.objects.create(code="CS-ORPHAN", title="no schedule")
    record = _unknown("2020-01-01T10:00:00+00:00")
    Record.objects.filter(pk=record.pk).update(record_class=orphan)
    from records.recompute import records_retention_recompute

    records_retention_recompute(record_ids=[record.pk], now=NOW, reason="moved")
    record.refresh_from_db()
    assert record.pii_purge_due is None
    _redact([record])
    result = job_run(name="purge_pii_originals", now=NOW)
    assert result.counts["purged"] == 0
    assert result.counts["unknown_country_kept"] == 1
    assert all(_texts(record))
