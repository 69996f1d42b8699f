from datetime import UTC, datetime

import pytest

from audit.models import AuditEvent
from chats.models import Chat, Customer, Message, Survey
from core.exceptions import ApplicationError, ConflictError
from records.models import Record, RetentionSchedule
from records.schedules import retention_schedule_save
from retention.hooks import HoldQuery, record_hold_conditions
from retention.models import LegalHold
from retention.selectors import record_ids_held
from retention.services import destruction, purge
from retention.services.events import customer_event_record
from retention.services.holds import hold_scope_preview, legal_hold_place, legal_hold_release
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _redact(records: list[Record]) -> None:
    chat_ids = [r.chat_id for r in records]
    for message in Message.objects.filter(chat_id__in=chat_ids):
        message.text_redacted = f"redacted {message.position}"
        message.save()
    Survey.objects.filter(chat_id__in=chat_ids).update(comment_redacted="[redacted]")
    Chat.objects.filter(pk__in=chat_ids).update(redacted_at=NOW)


def _purged(record: Record) -> bool:
    record.refresh_from_db()
    texts = list(
        Message.objects.filter(chat_id=record.chat_id).values_list("text", "text_redacted")
    )
    return (
        record.pii_purged_at is not None
        and all(t == "" and r for t, r in texts)
        and (Survey.objects.get(chat_id=record.chat_id).comment == "")
    )


def _original(record: Record) -> bool:
    record.refresh_from_db()
    return record.pii_purged_at is None and all(
        text
        for text in Message.objects.filter(chat_id=record.chat_id).values_list("text", flat=True)
    )


def test_purge_only_redacted_unheld_past_pii_period(file_plan, due_records, manager_user):
    records = due_records(3)
    recent = make_chat(country="US", region="", started_at="2026-10-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    recent_record = Record.objects.get(chat=recent)
    _redact([*records[:2], recent_record])
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [records[1].pk]}, issued_by=manager_user
    )
    summary = pii_originals_purge(now=NOW)
    assert summary.purged == 1
    assert _purged(records[0])
    assert _original(records[1])  # held
    assert _original(records[2])  # not redacted: the only copy stays
    assert _original(recent_record)  # PII period not over
    assert AuditEvent.objects.filter(action="pii.originals_purged").exists()


def test_purge_deletes_superseded_customer_identities(due_records):
    record = due_records(1)[0]
    customer = Customer.objects.get(pk=record.chat.customer_id)
    customer.email = "changed@example.com"
    customer.save()
    _redact([record])
    pii_originals_purge(now=NOW)
    rows = list(Customer.history.filter(id=customer.pk).values_list("email", flat=True))
    assert rows == ["changed@example.com"]


def test_purge_idempotent(due_records):
    records = due_records(2)
    _redact(records)
    assert pii_originals_purge(now=NOW).purged == 2
    history = Record.history.count()
    assert pii_originals_purge(now=NOW).purged == 0
    assert Record.history.count() == history


def test_purge_batched(due_records):
    records = due_records(5)
    _redact(records)
    assert pii_originals_purge(now=NOW, chunk_size=2).purged == 5
    assert all(_purged(r) for r in records)


def test_purge_interrupted_then_resumed(due_records, monkeypatch):
    records = due_records(5)
    _redact(records)
    real = purge.customers_old_identities_purge
    calls = {"n": 0}

    def flaky(records_arg):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(records_arg)

    monkeypatch.setattr(purge, "customers_old_identities_purge", flaky)
    with pytest.raises(RuntimeError):
        purge.pii_originals_purge(now=NOW, chunk_size=2)
    assert [_purged(r) for r in records] == [True, True, False, False, False]
    assert all(_original(r) for r in records[2:])
    monkeypatch.setattr(purge, "customers_old_identities_purge", real)
    purge.pii_originals_purge(now=NOW, chunk_size=2)
    assert all(_purged(r) for r in records)


def test_hold_scopes_match_and_narrow(file_plan, manager_user):
    a = make_chat(
        country="CA",
        region="",
        started_at="2020-01-01T00:00:00+00:00",
        customer={"external_id": "x1", "name": "A", "email": "A@Example.com", "phone": ""},
    )
    b = make_chat(
        country="US",
        region="",
        started_at="2022-01-01T00:00:00+00:00",
        messages=[
            {
                "sender": "customer",
                "sent_at": "2022-01-01T00:00:00+00:00",
                "text": "the blue widget broke",
            }
        ],
    )
    from records.services import records_declare

    records_declare(now=NOW)
    assert hold_scope_preview(scope={"customer_emails": ["a@example.com"]}) == 1
    assert hold_scope_preview(scope={"customer_external_ids": ["x1"]}) == 1
    assert hold_scope_preview(scope={"countries": ["ca", "US"]}) == 2
    assert hold_scope_preview(scope={"started_after": "2021-01-01T00:00:00+00:00"}) == 1
    assert hold_scope_preview(scope={"query": "BLUE widget"}) == 1
    assert hold_scope_preview(scope={"countries": ["US"], "query": "refunded"}) == 0
    with pytest.raises(ApplicationError):
        hold_scope_preview(scope={})
    hold = legal_hold_place(
        matter="m", reason="r", scope={"countries": ["CA"]}, issued_by=manager_user
    )
    assert set(hold.coverage.values_list("record__chat_id", flat=True)) == {a.pk}
    assert b.pk


def test_record_held_until_every_hold_released(due_records, manager_user):
    record = due_records(1)[0]
    first = legal_hold_place(
        matter="one", reason="r", scope={"record_ids": [record.pk]}, issued_by=manager_user
    )
    second = legal_hold_place(
        matter="two", reason="r", scope={"countries": ["US"]}, issued_by=manager_user
    )
    legal_hold_release(hold=first, released_by=manager_user, reason="done")
    assert record_ids_held([record.pk]) == {record.pk}
    with pytest.raises(ConflictError):
        legal_hold_release(hold=first, released_by=manager_user, reason="again")
    with pytest.raises(ApplicationError):
        legal_hold_release(hold=second, released_by=manager_user, reason="")
    legal_hold_release(hold=second, released_by=manager_user, reason="done")
    assert record_ids_held([record.pk]) == set()
    actions = list(
        AuditEvent.objects.filter(action__startswith="hold.").values_list("action", flat=True)
    )
    assert actions == ["hold.placed", "hold.placed", "hold.released", "hold.released"]
    assert "US" not in str(AuditEvent.objects.filter(action="hold.placed").values("data"))


def test_connected_hold_condition_blocks_disposal(due_records, manager_user):
    from django.db.models import Q

    record = due_records(1)[0]

    def pending_request(query: HoldQuery) -> Q:
        return Q(pk=record.pk)

    record_hold_conditions.connect(pending_request)
    try:
        assert record_ids_held([record.pk]) == {record.pk}
        assert not destruction.records_destroy(
            record_ids=[record.pk], now=NOW, reason="erasure"
        ).destroyed
    finally:
        record_hold_conditions.disconnect(pending_request)
    assert destruction.record_destroy(record=record, now=NOW, reason="erasure request 7")
    record.refresh_from_db()
    assert record.status == "disposed"
    assert AuditEvent.objects.filter(action="record.disposed").exists()


def test_schedule_change_recomputes_records(
    due_records, manager_user, django_capture_on_commit_callbacks
):
    record = due_records(1)[0]
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    with django_capture_on_commit_callbacks(execute=True):
        retention_schedule_save(
            schedule=schedule,
            record_class=schedule.record_class,
            data={"retention_years": 10},
            changed_by=manager_user,
            reason="new regulation",
            now=NOW,
        )
    record.refresh_from_db()
    assert record.disposition_due == record.trigger_at.replace(year=record.trigger_at.year + 10)
    assert schedule.history.first().history_change_reason == "new regulation"


def test_named_event_trigger(file_plan, manager_user, django_capture_on_commit_callbacks):
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="CA")
    schedule.trigger = "account_closed"
    schedule.save()
    chat = make_chat(country="CA", region="", started_at="2015-01-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    assert record.disposition_due is None
    assert record.flag_reason == "waiting for event account_closed"
    closed = datetime(2016, 6, 1, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        customer_event_record(
            customer_id=chat.customer_id,
            name="account_closed",
            occurred_at=closed,
            recorded_by=manager_user,
            reason="account closed in the CRM",
            now=NOW,
        )
    record.refresh_from_db()
    assert record.trigger_at == closed
    assert record.disposition_due == datetime(2022, 6, 1, tzinfo=UTC)
    assert LegalHold.objects.count() == 0
