import pytest

from audit.services import audit_event_record
from core.tasks import run_job_task

pytestmark = [pytest.mark.integration]


def test_real_worker_runs_a_scheduled_job_against_the_database(celery_worker_process):
    for number in range(3):
        audit_event_record(actor=None, action="test.event", data={"n": number})

    result = run_job_task.apply_async(("verify_audit_chain",))
    outcome = result.get(timeout=60)

    assert outcome["ok"] is True
    # The worker read the three events this test committed: it shares the test database.
    assert outcome["messages"] == ["audit chain intact: 3 events verified"]


def test_real_worker_reports_a_failing_job(celery_worker_process):
    from audit.models import AuditEvent

    audit_event_record(actor=None, action="test.event", data={"n": 1})
    AuditEvent.objects.update(action="test.tampered")

    outcome = run_job_task.apply_async(("verify_audit_chain",)).get(timeout=60)

    assert outcome["ok"] is False
    assert "was altered" in outcome["messages"][0]
