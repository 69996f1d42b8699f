"""Approvals follow the requirement in force (R-DISP-2).

A batch needs the higher of DISPOSAL_REQUIRED_APPROVALS when it was built and the value in force
when it is approved and when it is executed. A batch approved under a lower requirement does not
execute: it goes back to waiting for approval, and the run says so. Four-eyes still holds: the
approvers differ, and the proposer's own approval never counts when two are required.
"""

import io
import json

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from chats.models import Message
from core.exceptions import ApplicationError, ConflictError
from core.roles import Role
from records.models import Record
from retention.models import BatchState, DisposalBatch, Tombstone
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _intact(record: Record) -> bool:
    record.refresh_from_db()
    return record.status == "active" and Message.objects.filter(chat_id=record.chat_id).exists()


def _state(batch: DisposalBatch) -> str:
    batch.refresh_from_db()
    return batch.state


def test_a_batch_approved_under_one_waits_for_a_second_approval_once_two_are_required(
    due_records, make_user, settings
):
    first, second = (make_user(Role.RECORDS_MANAGER) for _ in range(2))
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    records = due_records(2)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=first)
    assert _state(batch) == BatchState.APPROVED

    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    summary = disposal_batches_execute(now=NOW)
    assert summary.awaiting_approval == [batch.pk]
    assert summary.counts == {}
    assert all(_intact(r) for r in records)
    assert not Tombstone.objects.exists()
    assert _state(batch) == BatchState.PROPOSED
    assert batch.required_approvals == 2
    event = AuditEvent.objects.get(action="disposal.awaiting_approval")
    assert {"approvals": 1, "required": 2}.items() <= event.data.items()

    disposal_batch_approve(batch=batch, approver=second)
    assert _state(batch) == BatchState.APPROVED
    disposal_batches_execute(now=NOW)
    assert _state(batch) == BatchState.COMPLETED
    assert Tombstone.objects.count() == 2


def test_run_job_reports_the_batch_that_waits_for_approval(due_records, manager_user, settings):
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    records = due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    out = io.StringIO()
    call_command("run_job", "execute_disposals", "--now", NOW.isoformat(), "--json", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(f"batch {batch.pk}" in line and "1 of 2 approvals" in line for line in lines)
    summary = json.loads(lines[-1])
    assert summary["counts"]["awaiting_approval"] == 1
    assert _intact(records[0])


def test_a_raised_requirement_applies_at_approval(due_records, make_user, settings):
    first, second = (make_user(Role.RECORDS_MANAGER) for _ in range(2))
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    disposal_batch_approve(batch=batch, approver=first)
    assert _state(batch) == BatchState.PROPOSED
    disposal_batch_approve(batch=batch, approver=second)
    assert _state(batch) == BatchState.APPROVED


def test_a_lowered_requirement_never_loosens_a_batch(due_records, manager_user, settings):
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    records = due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    disposal_batch_approve(batch=batch, approver=manager_user)
    assert _state(batch) == BatchState.PROPOSED
    disposal_batches_execute(now=NOW)
    assert _intact(records[0])


def test_the_proposers_own_approval_never_counts_once_two_are_required(
    due_records, make_user, settings
):
    proposer, other, third = (make_user(Role.RECORDS_MANAGER) for _ in range(3))
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    records = due_records(1)
    batch = disposal_batches_build(now=NOW, proposed_by=proposer)[0]
    disposal_batch_approve(batch=batch, approver=proposer)  # allowed while one suffices
    assert _state(batch) == BatchState.APPROVED

    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    summary = disposal_batches_execute(now=NOW)
    assert summary.awaiting_approval == [batch.pk]
    assert _state(batch) == BatchState.PROPOSED
    with pytest.raises(ApplicationError, match="Four-eyes"):
        disposal_batch_approve(batch=batch, approver=proposer)
    disposal_batch_approve(batch=batch, approver=other)
    assert _state(batch) == BatchState.PROPOSED  # the proposer's approval is not one of the two
    with pytest.raises(ConflictError):
        disposal_batch_approve(batch=batch, approver=other)
    disposal_batches_execute(now=NOW)
    assert _intact(records[0])
    disposal_batch_approve(batch=batch, approver=third)
    assert _state(batch) == BatchState.APPROVED
    disposal_batches_execute(now=NOW)
    assert _state(batch) == BatchState.COMPLETED


def test_an_interrupted_execution_stops_when_the_requirement_rises(
    due_records, manager_user, settings
):
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    records = due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    DisposalBatch.objects.filter(pk=batch.pk).update(state=BatchState.EXECUTING)
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    summary = disposal_batches_execute(now=NOW)
    assert summary.awaiting_approval == [batch.pk]
    assert _intact(records[0])
    assert _state(batch) == BatchState.PROPOSED


def test_approval_through_the_api_after_the_requirement_rose(
    due_records, manager_user, make_user, api_client_for, settings
):
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    disposal_batches_execute(now=NOW)
    again = api_client_for(manager_user).post(f"/api/v1/disposal-batches/{batch.pk}/approve/")
    assert again.status_code == 409
    assert set(again.json()) == {"message", "extra"}
    assert _state(batch) == BatchState.PROPOSED
    other = api_client_for(make_user(Role.RECORDS_MANAGER))
    response = other.post(f"/api/v1/disposal-batches/{batch.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["state"] == BatchState.APPROVED


def test_an_approved_batch_short_under_a_raised_requirement_takes_another_approval(
    due_records, make_user, settings
):
    first, second = (make_user(Role.RECORDS_MANAGER) for _ in range(2))
    settings.DISPOSAL_REQUIRED_APPROVALS = 1
    due_records(1)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=first)
    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    disposal_batch_approve(batch=batch, approver=second)  # before any execution
    assert _state(batch) == BatchState.APPROVED
    assert batch.required_approvals == 2
    disposal_batches_execute(now=NOW)
    assert _state(batch) == BatchState.COMPLETED
    # A batch with enough approvals takes no more.
    with pytest.raises(ConflictError):
        disposal_batch_approve(batch=batch, approver=make_user(Role.RECORDS_MANAGER))
