"""Item 5 of issue #12: the `review` disposition (SPEC §4.2).

At its due date a record of a `review` schedule is not proposed for destruction; it is listed as
due for review, and a records manager decides: retain until a new date (reviewed again then) or
destroy (then it goes through the normal batch and its approval). Audited; other roles 403."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from audit.models import AuditEvent
from records.models import Record, RetentionSchedule
from records.schedules import retention_schedule_save
from retention.models import DisposalItem, Tombstone
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.conftest import PASSWORD
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_records(due_records, manager_user):
    records = due_records(3)
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"action": "review"},
        changed_by=manager_user,
        reason="a manager decides at the due date",
        now=NOW,
    )
    return [Record.objects.get(pk=r.pk) for r in records]


def _review(client, record, body):
    return client.post(f"/api/v1/records/{record.pk}/review/", body, format="json")


def _snapshot(record):
    record.refresh_from_db()
    return (record.status, record.disposition_due, record.retained_until, record.review_decision)


def test_review_records_are_not_proposed_and_are_listed_as_due(review_records, manager_api):
    assert all(r.disposition_due is not None and r.disposition_due <= NOW for r in review_records)
    assert disposal_batches_build(now=NOW) == []
    assert not DisposalItem.objects.exists()
    listed = manager_api.get("/api/v1/records/", {"status": "review_due"}).json()
    assert {row["id"] for row in listed["results"]} == {r.pk for r in review_records}
    assert all(row["review_due"] for row in listed["results"])
    assert manager_api.get("/api/v1/records/", {"status": "active"}).json()["count"] == 3


def test_others_cannot_decide_and_nothing_changes(
    review_records, auditor_api, support_api, manager_api
):
    record = review_records[0]
    before = _snapshot(record)
    for client in (auditor_api, support_api):
        assert _review(client, record, {"decision": "destroy", "reason": "x"}).status_code == 403
    assert _snapshot(record) == before
    assert not AuditEvent.objects.filter(action="record.review_decided").exists()
    assert disposal_batches_build(now=NOW) == []


def test_retain_sets_a_new_date_then_review_again(review_records, manager_api):
    record = review_records[0]
    response = _review(
        manager_api,
        record,
        {"decision": "retain", "retain_until": "2030-06-01", "reason": "still useful"},
    )
    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert record.disposition_due.date().isoformat() == "2030-06-01"
    assert record.status == "active"
    event = AuditEvent.objects.get(action="record.review_decided")
    assert event.data["decision"] == "retain"
    assert event.data["reason"] == "still useful"
    # Not proposed now, not due for review now; due for review again at the new date.
    listed = manager_api.get("/api/v1/records/", {"status": "review_due"}).json()
    assert record.pk not in {row["id"] for row in listed["results"]}
    later = datetime(2030, 6, 2, tzinfo=UTC)
    assert disposal_batches_build(now=later) == []
    assert Record.objects.get(pk=record.pk).status == "active"


def test_retain_by_a_period(review_records, manager_api):
    record = review_records[0]
    response = _review(
        manager_api, record, {"decision": "retain", "period_days": 400, "reason": "audit"}
    )
    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert record.disposition_due > NOW


def test_destroy_decision_goes_through_the_normal_batch(review_records, manager_api, manager_user):
    record, other, _ = review_records
    response = _review(manager_api, record, {"decision": "destroy", "reason": "no value"})
    assert response.status_code == 200, response.json()
    assert Record.objects.get(pk=record.pk).status == "active"  # nothing destroyed yet
    batches = disposal_batches_build(now=NOW)
    assert len(batches) == 1
    assert batches[0].action == "destroy"
    assert list(batches[0].items.values_list("record_id", flat=True)) == [record.pk]
    disposal_batches_execute(now=NOW)  # not approved: nothing happens
    assert Record.objects.get(pk=record.pk).status == "active"
    disposal_batch_approve(batch=batches[0], approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert Record.objects.get(pk=record.pk).status == "disposed"
    assert Tombstone.objects.filter(record_id_value=record.pk).count() == 1
    assert Record.objects.get(pk=other.pk).status == "active"  # no decision: never destroyed


def test_a_decision_needs_a_reason_a_valid_date_and_a_due_review(review_records, manager_api):
    record = review_records[0]
    before = _snapshot(record)
    bad = [
        {"decision": "destroy"},
        {"decision": "destroy", "reason": " "},
        {"decision": "retain", "reason": "x"},
        {"decision": "retain", "retain_until": "2001-01-01", "reason": "x"},
        {"decision": "retain", "retain_until": "10000-01-01", "reason": "x"},
        {"decision": "retain", "period_days": 10**9, "reason": "x"},
        {"decision": "retain", "period_days": -5, "reason": "x"},
        {"decision": "burn", "reason": "x"},
    ]
    for body in bad:
        response = _review(manager_api, record, body)
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert "message" in response.json()
    assert _snapshot(record) == before
    assert not AuditEvent.objects.filter(action="record.review_decided").exists()


def test_a_record_not_due_for_review_is_refused(due_records, manager_api):
    record = due_records(1)[0]  # a `destroy` schedule: nothing to review
    before = _snapshot(record)
    response = _review(manager_api, record, {"decision": "destroy", "reason": "x"})
    assert response.status_code == 409
    assert _snapshot(record) == before


def test_a_moved_date_cancels_a_destroy_decision(review_records, manager_api, manager_user):
    record = review_records[0]
    _review(manager_api, record, {"decision": "destroy", "reason": "no value"})
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"retention_years": 30},
        changed_by=manager_user,
        reason="longer",
        now=NOW,
    )
    retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"retention_years": 5},
        changed_by=manager_user,
        reason="back",
        now=NOW,
    )
    record.refresh_from_db()
    assert record.review_decision == ""
    assert disposal_batches_build(now=NOW) == []


def test_manager_decides_on_the_record_page(review_records, manager_user, auditor_user):
    record = review_records[0]
    auditor = Client()
    assert auditor.login(username=auditor_user.username, password=PASSWORD)
    page = auditor.get(f"/records/{record.pk}/")
    assert page.status_code == 200
    assert b"review-decision" not in page.content
    assert auditor.post(
        f"/records/{record.pk}/", {"decision": "destroy", "reason": "x"}
    ).status_code in (403, 405)
    assert Record.objects.get(pk=record.pk).review_decision == ""
    manager = Client()
    assert manager.login(username=manager_user.username, password=PASSWORD)
    page = manager.get(f"/records/{record.pk}/")
    assert b"review-decision" in page.content
    response = manager.post(
        f"/records/{record.pk}/",
        {"decision": "retain", "retain_until": "2031-01-01", "reason": "keep"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.disposition_due.date().isoformat() == "2031-01-01"
    listing = manager.get("/records/?status=review_due")
    assert listing.status_code == 200
