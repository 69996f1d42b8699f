"""Item 9c of issue #12: trend rollups are disposed of after their own seeded schedule
(CS-TREND-ROLLUP, 10 years, SPEC §6) by the `dispose_trend_rollups` job: chunked, idempotent,
audited with counts; the period is read from the file plan, and a missing schedule fails closed
(nothing deleted, reported)."""

from datetime import UTC, date, datetime

import pytest

from audit.models import AuditEvent
from core.jobs import job_run
from knowledgebase.models import TrendRollup
from knowledgebase.services import trends
from knowledgebase.services.trends import trend_rollups_dispose
from retention.file_plan import TREND_ROLLUP_CLASS, file_plan_seed
from retention.models import RetentionSchedule
from retention.services.schedules import retention_schedule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, tzinfo=UTC)
# A week is past 10 years once its last day (start + 6 days) is 10 years old.
OLD_WEEKS = [date(2009, 1, 5), date(2015, 6, 1), date(2016, 11, 14)]
KEPT_WEEKS = [date(2016, 11, 21), date(2020, 1, 6), date(2026, 11, 16)]


@pytest.fixture
def rollups(db):
    file_plan_seed()
    rows = [
        TrendRollup(
            week_start=week,
            dimension=dimension,
            value=value,
            chat_count=3,
            computed_at=NOW,
        )
        for week in OLD_WEEKS + KEPT_WEEKS
        for dimension, value in (("all", "all"), ("keyword", "refund"))
    ]
    TrendRollup.objects.bulk_create(rows)
    return rows


def _weeks() -> list[date]:
    return sorted(set(TrendRollup.objects.values_list("week_start", flat=True)))


def _schedule() -> RetentionSchedule:
    return RetentionSchedule.objects.get(record_class__code=TREND_ROLLUP_CLASS, jurisdiction="*")


def test_rollups_past_their_schedule_are_disposed_by_the_job(rollups):
    result = job_run(name="dispose_trend_rollups", now=NOW)
    assert result.ok
    assert result.counts["deleted"] == 6
    assert _weeks() == KEPT_WEEKS
    events = AuditEvent.objects.filter(action="trends.rollups_disposed")
    assert sum(event.data["rows"] for event in events) == 6
    assert all(event.data["schedule"] == _schedule().pk for event in events)


def test_rollups_disposal_is_idempotent(rollups):
    first = trend_rollups_dispose(now=NOW)
    events = AuditEvent.objects.count()
    second = trend_rollups_dispose(now=NOW)
    assert (first.deleted, second.deleted) == (6, 0)
    assert _weeks() == KEPT_WEEKS
    assert AuditEvent.objects.count() == events  # nothing done, nothing claimed


def test_rollups_disposal_interrupted_then_resumed(rollups, monkeypatch):
    real = trends.audit_event_record
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(**kwargs)

    monkeypatch.setattr(trends, "audit_event_record", failing)
    with pytest.raises(RuntimeError):
        trend_rollups_dispose(now=NOW, chunk_size=2)
    # The first chunk is gone and audited; the second rolled back whole.
    assert TrendRollup.objects.count() == 12 - 2
    assert AuditEvent.objects.filter(action="trends.rollups_disposed").count() == 1
    monkeypatch.setattr(trends, "audit_event_record", real)
    summary = trend_rollups_dispose(now=NOW, chunk_size=2)
    assert summary.deleted == 4
    assert _weeks() == KEPT_WEEKS
    events = AuditEvent.objects.filter(action="trends.rollups_disposed")
    assert sum(event.data["rows"] for event in events) == 6


def test_rollups_disposal_batched(rollups):
    summary = trend_rollups_dispose(now=NOW, chunk_size=2)
    assert summary.deleted == 6
    assert summary.chunks == 3
    assert _weeks() == KEPT_WEEKS
    assert AuditEvent.objects.filter(action="trends.rollups_disposed").count() == 3


def test_the_period_is_read_from_the_file_plan(rollups, manager_user):
    schedule = _schedule()
    retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"retention_years": 8},
        changed_by=manager_user,
        reason="shorter",
        now=NOW,
    )
    trend_rollups_dispose(now=NOW)
    assert _weeks() == [date(2020, 1, 6), date(2026, 11, 16)]


@pytest.mark.parametrize("action", ["retain", "review"])
def test_rollups_of_a_permanent_or_reviewed_schedule_are_kept(rollups, manager_user, action):
    schedule = _schedule()
    retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"action": action},
        changed_by=manager_user,
        reason="keep",
        now=NOW,
    )
    result = job_run(name="dispose_trend_rollups", now=NOW)
    assert result.counts["deleted"] == 0
    assert TrendRollup.objects.count() == 12


def test_a_missing_schedule_fails_closed_and_reports(rollups):
    _schedule().delete()
    result = job_run(name="dispose_trend_rollups", now=NOW)
    assert not result.ok
    assert result.counts["deleted"] == 0
    assert any(TREND_ROLLUP_CLASS in message for message in result.messages)
    assert TrendRollup.objects.count() == 12
    assert not AuditEvent.objects.filter(action="trends.rollups_disposed").exists()


def test_rollup_trends_never_rebuilds_a_disposed_week(rollups):
    from knowledgebase.models import ChatInsight
    from knowledgebase.services.trends import trends_rollup
    from tests.factories import make_chat

    trend_rollups_dispose(now=NOW)
    old = make_chat(started_at="2015-06-02T10:00:00+00:00")
    recent = make_chat(started_at="2026-11-17T10:00:00+00:00")
    for chat, week in ((old, date(2015, 6, 1)), (recent, date(2026, 11, 16))):
        ChatInsight.objects.create(
            chat=chat,
            source_redacted_at=NOW,
            analysed_at=NOW,
            analysis_version="t",
            country="CA",
            week_start=week,
            updated_at=NOW,
        )
    trends_rollup(now=NOW)
    assert _weeks() == KEPT_WEEKS
    assert not ChatInsight.objects.filter(rolled_up_at__isnull=True).exists()
