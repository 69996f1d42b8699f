"""A simulated clock never destroys for real (SPEC §4, `run_job NAME --now …` on a destructive job).

Destructive jobs refuse a `now` later than the real clock (exit status 2, a message naming
ALLOW_SIMULATED_CLOCK, nothing changed) unless the setting allows it; whatever a batch says,
nothing is destroyed before its real due date; every tombstone, certificate and audit event a
job writes carries the real time, and the `as_of` it was evaluated at when that differs.
"""

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_chain_verify
from chats.models import Chat, Message, Survey
from core.clock import SimulatedClockRefused
from core.jobs import job_run, jobs_registered
from records.models import Record
from records.services import records_declare
from retention.models import BatchState, DisposalBatch, DisposalCertificate, Tombstone
from retention.services.disposal.certificates import certificate_hash
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

FUTURE = "2028-01-01T00:00:00+00:00"
FUTURE_DT = datetime.fromisoformat(FUTURE)


def _not_yet_due(n: int = 2) -> list[Record]:
    """US chats that end in 2022: due in 2027 (5 years), after the real clock of this suite."""
    chats = [
        make_chat(country="US", region="", started_at=f"2022-03-{day + 1:02d}T10:00:00+00:00")
        for day in range(n)
    ]
    records_declare(now=NOW)
    records = list(Record.objects.filter(chat__in=chats).order_by("pk"))
    assert all(r.disposition_due and r.disposition_due > timezone.now() for r in records)
    return records


def _purge_not_yet_due(n: int = 2) -> list[Record]:
    """Redacted US chats of June 2026: originals purged after 365 days, after the real clock."""
    chats = [
        make_chat(country="US", region="", started_at=f"2026-06-{day + 1:02d}T10:00:00+00:00")
        for day in range(n)
    ]
    records_declare(now=NOW)
    _redact(chats)
    records = list(Record.objects.filter(chat__in=chats).order_by("pk"))
    assert all(r.pii_purge_due and r.pii_purge_due > timezone.now() for r in records)
    return records


def _redact(chats) -> None:
    chat_ids = [c.pk for c in chats]
    Message.objects.filter(chat_id__in=chat_ids).update(text_redacted="[REDACTED]")
    Survey.objects.filter(chat_id__in=chat_ids).update(comment_redacted="[redacted]")
    Chat.objects.filter(pk__in=chat_ids).update(redacted_at=NOW)


def _intact(record: Record) -> bool:
    record.refresh_from_db()
    return (
        record.status == "active"
        and record.pii_purged_at is None
        and Message.objects.filter(chat_id=record.chat_id, text__gt="").count() == 3
    )


def _approved_future_batch(manager_user) -> DisposalBatch:
    # Proposing is not destruction: a batch may be built as of any moment.
    batch = disposal_batches_build(now=FUTURE_DT)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    return batch


def _snapshot() -> tuple[int, ...]:
    return (
        Tombstone.objects.count(),
        DisposalCertificate.objects.count(),
        AuditEvent.objects.count(),
        Record.history.count(),
        Message.objects.filter(original_purged_at__isnull=False).count(),
    )


def test_destructive_jobs_are_marked_in_the_registry():
    jobs = jobs_registered()
    assert jobs["execute_disposals"].destructive
    assert jobs["purge_pii_originals"].destructive
    assert not jobs["build_disposal_batches"].destructive
    assert not jobs["verify_audit_chain"].destructive


def test_execute_disposals_refuses_a_future_now(file_plan, manager_user):
    records = _not_yet_due()
    batch = _approved_future_batch(manager_user)
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        call_command("run_job", "execute_disposals", "--now", FUTURE)
    assert error.value.returncode == 2
    assert "ALLOW_SIMULATED_CLOCK" in str(error.value)
    assert _snapshot() == before
    assert all(_intact(r) for r in records)
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    assert batch.execution_started_at is None


def test_purge_pii_originals_refuses_a_future_now(file_plan):
    records = _purge_not_yet_due()
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        call_command("run_job", "purge_pii_originals", "--now", FUTURE)
    assert error.value.returncode == 2
    assert "ALLOW_SIMULATED_CLOCK" in str(error.value)
    assert _snapshot() == before
    assert all(_intact(r) for r in records)


def test_job_run_refuses_for_beat_and_run_job_alike(file_plan):
    with pytest.raises(SimulatedClockRefused) as error:
        job_run(name="execute_disposals", now=timezone.now() + timedelta(days=1))
    assert error.value.extra["setting"] == "ALLOW_SIMULATED_CLOCK"
    from core.tasks import run_job_task

    with pytest.raises(SimulatedClockRefused):
        run_job_task.apply(args=("purge_pii_originals", FUTURE)).get()


def test_run_all_jobs_with_a_future_now_refuses_before_running_anything(file_plan):
    chat = make_chat(country="US", region="", started_at="2022-03-01T10:00:00+00:00")
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        call_command("run_all_jobs", "--now", FUTURE, stdout=io.StringIO())
    assert error.value.returncode == 2
    assert "ALLOW_SIMULATED_CLOCK" in str(error.value)
    assert not Record.objects.filter(chat=chat).exists()  # not even declared
    assert _snapshot() == before


def test_a_past_now_and_a_non_destructive_job_are_still_allowed(file_plan):
    call_command("run_job", "execute_disposals", "--now", NOW.isoformat(), stdout=io.StringIO())
    call_command("run_job", "build_disposal_batches", "--now", FUTURE, stdout=io.StringIO())


def test_a_batch_built_in_the_future_destroys_nothing_before_the_real_due_date(
    file_plan, manager_user
):
    records = _not_yet_due()
    _approved_future_batch(manager_user)
    # Executed on the real clock (beat, or run_job without --now): the records are not due.
    call_command("run_job", "execute_disposals", stdout=io.StringIO())
    assert all(_intact(r) for r in records)
    assert not Tombstone.objects.exists()


def test_services_called_with_a_future_now_still_check_the_real_clock(file_plan, manager_user):
    records = _not_yet_due()
    _approved_future_batch(manager_user)
    disposal_batches_execute(now=FUTURE_DT)
    assert all(_intact(r) for r in records)
    assert not Tombstone.objects.exists()
    waiting = _purge_not_yet_due()
    assert pii_originals_purge(now=FUTURE_DT).purged == 0
    assert all(_intact(r) for r in waiting)
    # The control: originals already past their PII period (2023) are purged.
    _redact([r.chat for r in records])
    assert pii_originals_purge(now=FUTURE_DT).purged == 2


def test_allowed_simulated_clock_destroys_and_stamps_the_real_time_beside_as_of(
    file_plan, manager_user, settings
):
    settings.ALLOW_SIMULATED_CLOCK = True
    records = _not_yet_due()
    _approved_future_batch(manager_user)
    started = timezone.now()
    call_command("run_job", "execute_disposals", "--now", FUTURE, stdout=io.StringIO())
    finished = timezone.now()
    for record in records:
        record.refresh_from_db()
        assert record.status == "disposed"
        assert started <= record.disposed_at <= finished
        tombstone = Tombstone.objects.get(record_id_value=record.pk)
        assert started <= tombstone.disposed_at <= finished
        assert tombstone.as_of == FUTURE_DT
    certificate = DisposalCertificate.objects.get()
    assert started <= certificate.issued_at <= finished
    assert certificate.as_of == FUTURE_DT
    assert datetime.fromisoformat(certificate.payload["as_of"]) == FUTURE_DT
    completed_at = datetime.fromisoformat(certificate.payload["completed_at"])
    assert started - timedelta(seconds=1) <= completed_at <= finished
    assert certificate.hash == certificate_hash(certificate.previous_hash, certificate.payload)
    for action in ("disposal.started", "disposal.completed"):
        event = AuditEvent.objects.get(action=action)
        assert event.occurred_at <= finished
        assert event.occurred_at.year == started.year
        assert datetime.fromisoformat(event.data["as_of"]) == FUTURE_DT
    assert audit_chain_verify()[0]


def test_allowed_simulated_purge_records_the_real_time(file_plan, settings):
    settings.ALLOW_SIMULATED_CLOCK = True
    records = _purge_not_yet_due()
    started = timezone.now()
    call_command("run_job", "purge_pii_originals", "--now", FUTURE, stdout=io.StringIO())
    for record in records:
        record.refresh_from_db()
        assert started <= record.pii_purged_at <= timezone.now()
    assert all(m.original_purged_at >= started for m in Message.objects.all())
    event = AuditEvent.objects.get(action="pii.originals_purged")
    assert datetime.fromisoformat(event.data["as_of"]) == FUTURE_DT


def test_a_run_on_the_real_clock_records_no_as_of(due_records, manager_user):
    due_records(1)
    disposal_batch_approve(
        batch=disposal_batches_build(now=timezone.now())[0], approver=manager_user
    )
    call_command("run_job", "execute_disposals", stdout=io.StringIO())
    assert Tombstone.objects.get().as_of is None
    certificate = DisposalCertificate.objects.get()
    assert certificate.as_of is None
    assert "as_of" not in certificate.payload
    assert "as_of" not in AuditEvent.objects.get(action="disposal.completed").data


def test_a_past_now_is_recorded_as_as_of_beside_the_real_time(due_records, manager_user):
    due_records(1)
    disposal_batch_approve(batch=disposal_batches_build(now=NOW)[0], approver=manager_user)
    started = timezone.now()
    disposal_batches_execute(now=NOW)
    tombstone = Tombstone.objects.get()
    assert tombstone.as_of == NOW
    assert tombstone.disposed_at >= started
    assert DisposalCertificate.objects.get().issued_at >= started
    assert datetime.fromisoformat(DisposalCertificate.objects.get().payload["as_of"]) == NOW


def test_production_settings_refuse_to_start_with_a_simulated_clock():
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "AUDIT_CHAIN_KEY": "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "records.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOW_SIMULATED_CLOCK": "true",
    }
    code = "import django; django.setup()"
    refused = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "ALLOW_SIMULATED_CLOCK" in refused.stderr
    env["ALLOW_SIMULATED_CLOCK"] = "false"
    allowed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert allowed.returncode == 0, allowed.stderr


def test_the_default_is_a_real_clock(settings):
    assert settings.ALLOW_SIMULATED_CLOCK is False
    assert UTC  # the suite's NOW is in the past of the real clock
    assert timezone.now() > NOW
