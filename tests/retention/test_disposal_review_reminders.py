"""Reminders of late disposal review stages (issue #16): once per stage per interval."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from core.jobs import job_run
from core.roles import Role
from records.models import RecordClass
from retention.models import DisposalBatchStage
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.disposal.reminders import disposal_reviews_remind
from retention.services.disposal.stages import StageSpec, disposition_policy_save
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

DAYS = 7


@pytest.fixture
def world(due_records, make_user, settings):
    settings.DISPOSAL_REVIEW_REMINDER_DAYS = DAYS
    legal = Group.objects.create(name="legal-reviewers")
    rita = make_user(Role.RECORDS_MANAGER, username="rita", email="rita@example.org")
    lena = make_user(Role.RECORDS_MANAGER, username="lena", email="lena@example.org")
    luis = make_user(Role.RECORDS_MANAGER, username="luis", email="luis@example.org")
    lena.groups.add(legal)
    luis.groups.add(legal)
    records = due_records(2)
    disposition_policy_save(
        record_class=RecordClass.objects.get(pk=records[0].record_class_id),
        stages=[StageSpec("Records", reviewers=(rita,)), StageSpec("Legal", reviewer_group=legal)],
        saved_by=rita,
    )
    (batch,) = disposal_batches_build(now=NOW)
    opened = DisposalBatchStage.objects.get(batch=batch, position=1).opened_at
    return {"batch": batch, "rita": rita, "opened": opened}


def test_a_stage_that_is_not_late_gets_no_reminder(world):
    summary = disposal_reviews_remind(now=world["opened"] + timedelta(days=DAYS - 1))
    assert summary.reminded == []
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="disposal.review_reminded").exists()


def test_a_late_stage_reminds_its_reviewers_once_per_interval(world):
    late = world["opened"] + timedelta(days=DAYS + 1)
    disposal_reviews_remind(now=late)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rita@example.org"]
    assert "stage 1 (Records)" in mail.outbox[0].subject
    assert f"/disposal/{world['batch'].pk}/" in mail.outbox[0].body
    # A replayed job, the same day or a few days later, sends nothing more.
    disposal_reviews_remind(now=late)
    disposal_reviews_remind(now=late + timedelta(days=DAYS - 1))
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="disposal.review_reminded").count() == 1
    disposal_reviews_remind(now=late + timedelta(days=DAYS))
    assert len(mail.outbox) == 2


def test_the_next_stage_counts_its_own_wait_and_reminds_its_group(world):
    decided = world["opened"] + timedelta(days=2)
    disposal_batch_approve(batch=world["batch"], approver=world["rita"], now=decided)
    disposal_reviews_remind(now=decided + timedelta(days=DAYS - 1))
    assert mail.outbox == []
    disposal_reviews_remind(now=decided + timedelta(days=DAYS + 1))
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["lena@example.org", "luis@example.org"]
    event = AuditEvent.objects.get(action="disposal.review_reminded")
    assert {k: event.data[k] for k in ("stage", "stage_name", "recipients")} == {
        "stage": 2,
        "stage_name": "Legal",
        "recipients": 2,
    }


def test_an_approved_batch_gets_no_reminder(world, make_user):
    lena = make_user(Role.RECORDS_MANAGER, username="lena2")
    lena.groups.add(Group.objects.get(name="legal-reviewers"))
    disposal_batch_approve(batch=world["batch"], approver=world["rita"])
    disposal_batch_approve(batch=world["batch"], approver=lena)
    disposal_reviews_remind(now=timezone.now() + timedelta(days=DAYS * 3))
    assert mail.outbox == []


def test_the_job_is_registered_and_runs_from_the_command_line(world):
    late = world["opened"] + timedelta(days=DAYS + 1)
    result = job_run(name="remind_disposal_reviews", now=late)
    assert result.counts["reminded"] == 1
    call_command("run_job", "remind_disposal_reviews", now=late.isoformat())
    assert len(mail.outbox) == 1


def test_group_members_who_cannot_act_get_no_reminder(world, make_user):
    clerk = make_user(Role.SUPPORT_STAFF, username="clerk", email="clerk@example.org")
    clerk.groups.add(Group.objects.get(name="legal-reviewers"))
    decided = world["opened"] + timedelta(days=1)
    disposal_batch_approve(batch=world["batch"], approver=world["rita"], now=decided)
    disposal_reviews_remind(now=decided + timedelta(days=DAYS + 1))
    assert sorted(mail.outbox[0].to) == ["lena@example.org", "luis@example.org"]
