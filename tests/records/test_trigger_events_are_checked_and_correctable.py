"""Trigger events are checked and correctable (SPEC §4.1 `customer-events`).

An event must be the trigger of some retention schedule, must not be in the future and must not
precede the customer's first chat. Events are listed; a wrong one is withdrawn with a reason
(and a new one recorded, to correct it); every change recomputes the customer's records and is
audited. Withdrawn events no longer count. Managers write, auditors read, support staff neither.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from chats.models import Message
from records.models import CustomerEvent, Record, RetentionSchedule
from records.recompute import records_retention_recompute
from records.services import records_declare
from retention.models import DisposalItem, ItemStatus
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/api/v1/customer-events/"
CLOSED = "2016-06-01T00:00:00+00:00"


@pytest.fixture
def record(file_plan) -> Record:
    """A CA chat of 2015 whose schedule counts from `account_closed` (6 years, PII 365 days)."""
    RetentionSchedule.objects.filter(record_class__code="CS-CHAT", jurisdiction="CA").update(
        trigger="account_closed"
    )
    customer = {"external_id": "c-acct", "name": "Ana Silva", "email": "ana@example.ca"}
    chat = make_chat(
        country="CA", region="", started_at="2015-01-01T00:00:00+00:00", customer=customer
    )
    make_chat(country="CA", region="", started_at="2017-03-01T00:00:00+00:00", customer=customer)
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    assert record.disposition_due is None
    return record


def _event(record: Record, **overrides):
    return {
        "customer": record.chat.customer_id,
        "event": "account_closed",
        "occurred_at": CLOSED,
        "reason": "CRM: account closed",
        **overrides,
    }


def _unchanged(record: Record) -> bool:
    record.refresh_from_db()
    return (
        record.trigger_at is None
        and record.disposition_due is None
        and record.pii_purge_due is None
        and not CustomerEvent.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="customer.event").exists()
    )


@pytest.mark.parametrize("event", ["account_closd", "chat_ended", "ACCOUNT_CLOSED", ""])
def test_an_event_that_triggers_no_schedule_is_refused(manager_api, record, event):
    response = manager_api.post(URL, _event(record, event=event), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert _unchanged(record)


def test_an_event_in_the_future_is_refused(manager_api, record):
    for moment in ("2099-01-01T00:00:00Z", (timezone.now() + timedelta(hours=1)).isoformat()):
        response = manager_api.post(URL, _event(record, occurred_at=moment), format="json")
        assert response.status_code == 400
        assert response.json()["extra"]["field"] == "occurred_at"
    assert _unchanged(record)


def test_an_event_before_the_customers_first_chat_is_refused_and_purges_nothing(
    manager_api, record
):
    Message.objects.update(text_redacted="[REDACTED]")
    record.chat.__class__.objects.update(redacted_at=NOW)
    response = manager_api.post(
        URL, _event(record, occurred_at="2014-12-31T23:59:00Z"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["field"] == "occurred_at"
    assert _unchanged(record)
    assert pii_originals_purge(now=NOW).purged == 0


def test_an_event_needs_a_reason_and_a_known_customer(manager_api, record):
    assert manager_api.post(URL, _event(record, reason=" "), format="json").status_code == 400
    unknown = manager_api.post(URL, _event(record, customer=999999), format="json")
    assert unknown.status_code in (400, 404)
    assert set(unknown.json()) == {"message", "extra"}
    assert _unchanged(record)


def test_a_valid_event_recomputes_the_customers_records_and_is_audited(manager_api, record):
    response = manager_api.post(URL, _event(record), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["event"] == "account_closed"
    assert body["customer"] == record.chat.customer_id
    assert body["reason"] == "CRM: account closed"
    assert body["withdrawn_at"] is None
    record.refresh_from_db()
    assert record.trigger_at == datetime.fromisoformat(CLOSED)
    assert record.disposition_due == datetime(2022, 6, 1, tzinfo=UTC)
    event = AuditEvent.objects.get(action="customer.event_recorded")
    assert event.data["event"] == "account_closed"
    assert event.data["records"] == 2


def test_a_second_event_of_the_same_name_must_withdraw_the_first(manager_api, record):
    assert manager_api.post(URL, _event(record), format="json").status_code == 201
    again = manager_api.post(URL, _event(record, occurred_at="2017-06-01T00:00:00Z"), format="json")
    assert again.status_code == 409
    assert CustomerEvent.objects.count() == 1
    record.refresh_from_db()
    assert record.trigger_at == datetime.fromisoformat(CLOSED)


def test_withdrawing_an_event_recomputes_and_is_audited(manager_api, record):
    event_id = manager_api.post(URL, _event(record), format="json").json()["id"]
    batch_items = disposal_batches_build(now=NOW)
    assert DisposalItem.objects.filter(record=record, status=ItemStatus.PENDING).exists()
    assert batch_items

    no_reason = manager_api.post(f"{URL}{event_id}/withdraw/", {}, format="json")
    assert no_reason.status_code == 400
    response = manager_api.post(
        f"{URL}{event_id}/withdraw/", {"reason": "wrong customer"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["withdrawn_at"] is not None
    assert body["withdrawal_reason"] == "wrong customer"
    record.refresh_from_db()
    assert record.trigger_at is None
    assert record.disposition_due is None
    assert record.flag_reason == "waiting for event account_closed"
    # The proposed disposal of a record whose date moved needs a new review.
    assert DisposalItem.objects.get(record=record).status == ItemStatus.WITHDRAWN
    audit = AuditEvent.objects.get(action="customer.event_withdrawn")
    assert audit.data["reason"] == "wrong customer"
    again = manager_api.post(f"{URL}{event_id}/withdraw/", {"reason": "twice"}, format="json")
    assert again.status_code == 409


def test_a_correction_is_a_withdrawal_and_a_new_event(manager_api, record):
    first = manager_api.post(URL, _event(record), format="json").json()["id"]
    manager_api.post(f"{URL}{first}/withdraw/", {"reason": "wrong date"}, format="json")
    response = manager_api.post(
        URL, _event(record, occurred_at="2019-02-01T00:00:00Z"), format="json"
    )
    assert response.status_code == 201
    record.refresh_from_db()
    assert record.trigger_at == datetime(2019, 2, 1, tzinfo=UTC)
    assert record.disposition_due == datetime(2025, 2, 1, tzinfo=UTC)
    assert CustomerEvent.objects.count() == 2


def test_withdrawn_events_no_longer_count(manager_api, record):
    first = manager_api.post(URL, _event(record), format="json").json()["id"]
    manager_api.post(f"{URL}{first}/withdraw/", {"reason": "wrong"}, format="json")
    records_retention_recompute(now=NOW, reason="any later recompute")
    record.refresh_from_db()
    assert record.trigger_at is None
    assert record.disposition_due is None


def test_events_are_listed_and_filtered(manager_api, auditor_api, record):
    first = manager_api.post(URL, _event(record), format="json").json()["id"]
    manager_api.post(f"{URL}{first}/withdraw/", {"reason": "wrong"}, format="json")
    manager_api.post(URL, _event(record, occurred_at="2019-02-01T00:00:00Z"), format="json")
    body = auditor_api.get(URL).json()
    assert body["count"] == 2
    assert {"id", "customer", "event", "occurred_at", "reason", "withdrawn_at"} <= set(
        body["results"][0]
    )
    customer = record.chat.customer_id
    assert auditor_api.get(URL, {"customer": customer}).json()["count"] == 2
    assert auditor_api.get(URL, {"customer": customer + 1000}).json()["count"] == 0
    active = auditor_api.get(URL, {"withdrawn": "false"}).json()["results"]
    assert [e["occurred_at"][:10] for e in active] == ["2019-02-01"]
    assert auditor_api.get(URL, {"event": "account_closed"}).json()["count"] == 2


def test_auditors_read_but_change_nothing(auditor_api, manager_api, record):
    assert auditor_api.get(URL).status_code == 200
    refused = auditor_api.post(URL, _event(record), format="json")
    assert refused.status_code == 403
    assert _unchanged(record)
    event_id = manager_api.post(URL, _event(record), format="json").json()["id"]
    withdraw = auditor_api.post(f"{URL}{event_id}/withdraw/", {"reason": "x"}, format="json")
    assert withdraw.status_code == 403
    assert CustomerEvent.objects.get().withdrawn_at is None
    record.refresh_from_db()
    assert record.trigger_at is not None


def test_support_staff_can_neither_read_nor_write(support_api, manager_api, record):
    assert support_api.get(URL).status_code == 403
    assert support_api.post(URL, _event(record), format="json").status_code == 403
    assert _unchanged(record)
    event_id = manager_api.post(URL, _event(record), format="json").json()["id"]
    withdraw = support_api.post(f"{URL}{event_id}/withdraw/", {"reason": "x"}, format="json")
    assert withdraw.status_code == 403
    assert CustomerEvent.objects.get().withdrawn_at is None
