import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config.celery_app import JOB_SCHEDULE, app
from core.jobs import jobs_registered


def test_every_job_is_scheduled_and_every_schedule_is_a_job():
    assert set(JOB_SCHEDULE) == set(jobs_registered())
    assert all(entry["task"] == "chatrecords.run_job" for entry in app.conf.beat_schedule.values())


def test_unknown_job_is_a_clear_error_listing_known_jobs():
    with pytest.raises(CommandError) as error:
        call_command("run_job", "no_such_job")
    assert "Unknown job 'no_such_job'" in str(error.value)
    assert "verify_audit_chain" in str(error.value)


@pytest.mark.parametrize("value", ["yesterday", "2026-11-23T00:00:00"])
def test_now_must_be_iso_with_offset(value):
    with pytest.raises(CommandError, match="--now"):
        call_command("run_job", "verify_audit_chain", "--now", value)


@pytest.mark.django_db
def test_run_job_prints_a_json_summary_when_asked():
    out = io.StringIO()
    now = "2026-11-23T00:00:00+00:00"
    call_command("run_job", "verify_audit_chain", "--now", now, "--json", stdout=out)
    assert '"job": "verify_audit_chain", "ok": true' in out.getvalue()


@pytest.mark.django_db
def test_run_job_ends_with_one_readable_line_by_default():
    out = io.StringIO()
    call_command("run_job", "verify_audit_chain", "--now", "2026-11-23T00:00:00+00:00", stdout=out)
    last = out.getvalue().splitlines()[-1]
    assert last.startswith("verify_audit_chain")
    assert " ok " in last
    assert "{" not in out.getvalue()  # no raw JSON for a person


@pytest.mark.django_db
def test_beat_task_runs_the_same_job_function():
    from core.tasks import run_job_task

    outcome = run_job_task.apply(args=("verify_audit_chain", "2026-11-23T00:00:00+00:00")).get()
    assert outcome["ok"] is True
