"""Issue #12 item 9a: a chat that never closed (no ended_at) was never declared, purged or
disposed, and kept a SIN for 30 years. close_idle_chats closes a chat idle for
CHAT_AUTO_CLOSE_DAYS at its last message, so declare_records declares it."""

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from chats.models import Chat
from chats.services.idle_closing import chats_close_idle
from core.jobs import job_run
from core.management.commands.run_all_jobs import LIFECYCLE_ORDER
from records.file_plan import file_plan_seed
from records.models import Record
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _open_chat(last_message_at: datetime, **overrides) -> Chat:
    started = last_message_at - timedelta(minutes=5)
    return make_chat(
        started_at=started.isoformat(),
        ended_at=None,
        messages=[
            {"sender": "customer", "sent_at": started.isoformat(), "text": "My SIN is 046 454 286"},
            {"sender": "agent", "sent_at": last_message_at.isoformat(), "text": "Thanks"},
        ],
        **overrides,
    )


def test_an_idle_chat_is_closed_at_its_last_message_and_then_declared():
    file_plan_seed()
    last = datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    chat = _open_chat(last)

    closed = job_run(name="close_idle_chats", now=NOW)
    declared = job_run(name="declare_records", now=NOW)

    chat.refresh_from_db()
    assert chat.ended_at == last
    assert closed.counts["closed"] == 1
    assert declared.counts["declared"] == 1
    assert Record.objects.get(chat=chat).trigger_at == last
    reason = chat.history.order_by("-history_date", "-history_id").values_list(
        "history_change_reason", flat=True
    )
    assert any("auto-closed" in (r or "") for r in reason)
    event = AuditEvent.objects.get(action="chats.auto_closed")
    assert event.data["closed"] == 1


def test_a_chat_without_messages_is_closed_at_its_start():
    chat = make_chat(started_at="2024-01-01T09:00:00+00:00", ended_at=None, messages=[])
    chats_close_idle(now=NOW)
    chat.refresh_from_db()
    assert chat.ended_at == datetime(2024, 1, 1, 9, tzinfo=UTC)


def test_a_recently_active_chat_stays_open_and_the_setting_decides(settings):
    recent = _open_chat(NOW - timedelta(days=3))
    ten_days = _open_chat(NOW - timedelta(days=10))
    settings.CHAT_AUTO_CLOSE_DAYS = 30

    assert chats_close_idle(now=NOW) == 0

    settings.CHAT_AUTO_CLOSE_DAYS = 7
    assert chats_close_idle(now=NOW) == 1
    recent.refresh_from_db()
    ten_days.refresh_from_db()
    assert recent.ended_at is None
    assert ten_days.ended_at == NOW - timedelta(days=10)


def test_idleness_is_measured_at_the_jobs_now_not_the_wall_clock():
    last = datetime(2025, 3, 1, 14, 30, tzinfo=UTC)
    chat = _open_chat(last)
    assert job_run(name="close_idle_chats", now=last + timedelta(days=6)).counts["closed"] == 0
    chat.refresh_from_db()
    assert chat.ended_at is None


def test_closed_chats_are_untouched_and_a_rerun_closes_nothing():
    closed = make_chat()
    before = closed.ended_at
    _open_chat(datetime(2025, 3, 1, tzinfo=UTC))
    assert chats_close_idle(now=NOW) == 1
    assert chats_close_idle(now=NOW) == 0
    closed.refresh_from_db()
    assert closed.ended_at == before


def test_idle_chats_close_in_chunks():
    chats = [_open_chat(datetime(2025, 3, day, tzinfo=UTC)) for day in range(1, 6)]
    assert chats_close_idle(now=NOW, chunk_size=2) == 5
    assert not Chat.objects.filter(pk__in=[c.pk for c in chats], ended_at__isnull=True).exists()


def test_close_idle_chats_runs_before_declare_records():
    assert LIFECYCLE_ORDER.index("close_idle_chats") < LIFECYCLE_ORDER.index("declare_records")


class WorkerKilled(BaseException):
    pass


def test_an_interrupted_run_leaves_no_chunk_half_closed_and_a_rerun_finishes(monkeypatch):
    from core.db import history as db_history

    chats = [_open_chat(datetime(2025, 3, day, tzinfo=UTC)) for day in range(1, 6)]
    real = db_history.rows_update_with_history
    calls = {"n": 0}

    def killed_on_second_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return real(*args, **kwargs)

    monkeypatch.setattr(db_history, "rows_update_with_history", killed_on_second_chunk)
    with pytest.raises(WorkerKilled):
        chats_close_idle(now=NOW, chunk_size=2)
    ids = [c.pk for c in chats]
    assert Chat.objects.filter(pk__in=ids, ended_at__isnull=False).count() == 2
    monkeypatch.setattr(db_history, "rows_update_with_history", real)

    assert chats_close_idle(now=NOW, chunk_size=2) == 3
    assert not Chat.objects.filter(pk__in=ids, ended_at__isnull=True).exists()
