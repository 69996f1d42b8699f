"""Item 5 of issue #12: "keep permanently" (action `retain`, SPEC §4.2).

A record of a `retain` schedule has no disposition date, is never proposed for disposal and is
never destroyed even when it is somehow in an approved batch; its original text is still purged
after the PII period (a separate rule), unless held."""

from datetime import UTC, datetime

import pytest

from audit.models import AuditEvent
from chats.models import Message
from records.models import Record, RetentionSchedule
from records.schedules import retention_schedule_save
from retention.models import BatchState, DisposalBatch, DisposalItem, ItemStatus, Tombstone
from retention.record_selectors import record_explanation
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.holds import legal_hold_place
from retention.services.purge import pii_originals_purge
from tests.retention.conftest import NOW
from tests.retention.test_purge_and_holds import _redact

pytestmark = pytest.mark.django_db

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)


def _retain_us(manager_user) -> RetentionSchedule:
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    return retention_schedule_save(
        schedule=schedule,
        record_class=schedule.record_class,
        data={"action": "retain"},
        changed_by=manager_user,
        reason="kept permanently by decision of the archives board",
        now=NOW,
    )


def test_permanent_records_have_no_date_and_say_why(due_records, manager_user):
    records = due_records(2)
    _retain_us(manager_user)
    for record in records:
        record.refresh_from_db()
        assert record.disposition_due is None
        assert record.status == "active"
        explanation = record_explanation(record)
        assert "kept permanently" in explanation["summary"]
        assert explanation["disposition"] == "kept permanently"


def test_permanent_records_are_never_proposed(due_records, manager_user):
    records = due_records(3)
    _retain_us(manager_user)
    assert disposal_batches_build(now=NOW) == []
    assert disposal_batches_build(now=FAR_FUTURE) == []
    assert not DisposalItem.objects.filter(record__in=records).exists()


def test_permanent_records_in_an_approved_batch_are_never_destroyed(due_records, manager_user):
    records = due_records(2)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    # The schedule becomes permanent after approval; the recompute withdraws the items. Even if
    # an item were pending (forced back), execution re-checks the schedule's action.
    _retain_us(manager_user)
    DisposalItem.objects.filter(batch=batch).update(status=ItemStatus.PENDING, reason="")
    Record.objects.filter(pk__in=[r.pk for r in records]).update(disposition_due=NOW)
    disposal_batches_execute(now=NOW)
    for record in records:
        record.refresh_from_db()
        assert record.status == "active"
        assert Message.objects.filter(chat_id=record.chat_id).count() == 3
    assert not Tombstone.objects.exists()
    assert set(DisposalItem.objects.filter(batch=batch).values_list("status", flat=True)) == {
        ItemStatus.SKIPPED_NOT_DUE
    }
    assert DisposalBatch.objects.get(pk=batch.pk).state == BatchState.COMPLETED


def test_permanent_records_still_lose_their_originals_after_the_pii_period(
    due_records, manager_user
):
    records = due_records(2)
    _retain_us(manager_user)
    _redact(records)
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [records[1].pk]}, issued_by=manager_user
    )
    summary = pii_originals_purge(now=NOW)
    assert summary.purged == 1
    kept, held = (Record.objects.get(pk=r.pk) for r in records)
    assert kept.pii_purged_at is not None
    assert set(Message.objects.filter(chat_id=kept.chat_id).values_list("text", flat=True)) == {""}
    assert held.pii_purged_at is None
    assert all(Message.objects.filter(chat_id=held.chat_id).values_list("text", flat=True))
    assert kept.disposition_due is None
    assert kept.status == "active"


def test_retain_through_the_api(manager_api, auditor_api, support_api, due_records):
    records = due_records(1)
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    for client in (auditor_api, support_api):
        response = client.patch(
            f"/api/v1/retention-schedules/{schedule.pk}/",
            {"action": "retain", "reason": "x"},
            format="json",
        )
        assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.action == "destroy"
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"action": "retain", "reason": "permanent value"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["action"] == "retain"
    record = Record.objects.get(pk=records[0].pk)
    assert record.disposition_due is None
    assert AuditEvent.objects.filter(action="schedule.changed").count() == 1
    detail = manager_api.get(f"/api/v1/records/{record.pk}/").json()
    assert "kept permanently" in detail["explanation"]["summary"]


def test_transfer_is_a_disposition_and_an_unknown_action_is_refused_by_name(
    manager_api, due_records
):
    due_records(1)
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"action": "archive", "reason": "archives"},
        format="json",
    )
    assert response.status_code == 400
    assert "transfer" in response.json()["message"]
    assert response.json()["extra"]["field"] == "action"
    schedule.refresh_from_db()
    assert schedule.action == "destroy"
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"action": "transfer", "reason": "archives"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    schedule.refresh_from_db()
    assert schedule.action == "transfer"
