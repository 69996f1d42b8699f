from datetime import timedelta

import pytest
from django.db.models import F

from audit.services import audit_chain_verify
from chats.models import Chat, Customer, Message, Survey
from core.exceptions import ApplicationError, ConflictError
from records.models import Record, RetentionSchedule
from records.recompute import records_retention_recompute
from retention.models import BatchState, DisposalBatch, DisposalCertificate, DisposalItem, Tombstone
from retention.services import destruction
from retention.services.disposal.certificates import certificate_hash
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import (
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_batches_build,
    disposal_item_exclude,
    items_insert,
)
from retention.services.holds import legal_hold_place, legal_hold_release
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _approved(manager_user) -> list[DisposalBatch]:
    batches = disposal_batches_build(now=NOW)
    for batch in batches:
        disposal_batch_approve(batch=batch, approver=manager_user)
    return batches


def _intact(record: Record) -> bool:
    record.refresh_from_db()
    return record.status == "active" and Message.objects.filter(chat_id=record.chat_id).count() == 3


def _destroyed(record: Record) -> bool:
    record.refresh_from_db()
    return (
        record.status == "disposed"
        and not Message.objects.filter(chat_id=record.chat_id).exists()
        and Tombstone.objects.filter(record_id_value=record.pk).count() == 1
    )


def test_build_groups_due_unheld_records_by_class_and_jurisdiction(due_records, manager_user):
    us = due_records(3)
    ca = make_chat(country="CA", region="", started_at="2019-01-01T00:00:00+00:00")
    bot = make_chat(
        country="CA",
        region="",
        started_at="2019-01-01T00:00:00+00:00",
        messages=[{"sender": "bot", "sent_at": "2019-01-01T00:00:00+00:00", "text": "hi"}],
    )
    not_due = make_chat(country="CA", region="", started_at="2021-01-01T00:00:00+00:00")
    unknown = make_chat(
        country="", region="", customer=None, started_at="2014-01-01T00:00:00+00:00"
    )
    from records.services import records_declare

    records_declare(now=NOW)
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [us[0].pk]}, issued_by=manager_user
    )
    batches = disposal_batches_build(now=NOW)
    groups = {
        (b.record_class.code, b.jurisdiction): set(
            b.items.values_list("record__chat_id", flat=True)
        )
        for b in batches
    }
    assert groups == {
        ("CS-CHAT", "US"): {us[1].chat_id, us[2].chat_id},
        ("CS-CHAT", "CA"): {ca.pk},  # 6 years after 2019
        ("CS-TRANSITORY", "*"): {bot.pk},
    }
    proposed = set(DisposalItem.objects.values_list("record__chat_id", flat=True))
    assert not_due.pk not in proposed
    assert unknown.pk not in proposed
    assert all(b.state == "proposed" and b.proposed_by is None for b in batches)
    # Idempotent: nothing new to propose.
    assert disposal_batches_build(now=NOW) == []


def test_ca_chat_six_years(due_records):
    record = due_records(1)[0]
    assert record.jurisdiction == "US"
    ca = make_chat(country="CA", region="", started_at="2020-11-20T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    ca_record = Record.objects.get(chat=ca)
    assert ca_record.disposition_due == ca.ended_at.replace(year=2026)
    assert ca_record.disposition_due < NOW


def test_four_eyes_two_different_approvers_and_proposer_excluded(due_records, make_user, settings):
    from core.roles import Role

    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    due_records(2)
    proposer, first, second = (make_user(Role.RECORDS_MANAGER) for _ in range(3))
    job_batch = disposal_batches_build(now=NOW)[0]
    assert job_batch.required_approvals == 2
    # Job-built: no proposer; the first approver counts once and cannot approve twice.
    disposal_batch_approve(batch=job_batch, approver=first)
    with pytest.raises(ConflictError):
        disposal_batch_approve(batch=job_batch, approver=first)
    job_batch.refresh_from_db()
    assert job_batch.state == BatchState.PROPOSED
    disposal_batch_approve(batch=job_batch, approver=second)
    job_batch.refresh_from_db()
    assert job_batch.state == BatchState.APPROVED

    human_batch = DisposalBatch.objects.create(
        record_class=job_batch.record_class,
        jurisdiction="US",
        action="destroy",
        proposed_at=NOW,
        proposed_by=proposer,
        required_approvals=2,
    )
    with pytest.raises(ApplicationError, match="Four-eyes"):
        disposal_batch_approve(batch=human_batch, approver=proposer)
    assert not human_batch.approvals.exists()


def test_reject_needs_reason_and_defers_records(due_records, manager_user):
    records = due_records(2)
    batch = disposal_batches_build(now=NOW)[0]
    with pytest.raises(ApplicationError):
        disposal_batch_reject(batch=batch, rejected_by=manager_user, reason=" ")
    disposal_batch_reject(batch=batch, rejected_by=manager_user, reason="not now", now=NOW)
    batch.refresh_from_db()
    assert batch.state == "rejected"
    assert disposal_batches_build(now=NOW) == []  # deferred by the review date
    assert disposal_batches_execute(now=NOW).counts == {}
    assert all(_intact(r) for r in records)
    with pytest.raises(ConflictError):
        disposal_batch_approve(batch=batch, approver=manager_user)


def test_exclude_item_with_reason_and_review_date(due_records, manager_user):
    records = due_records(2)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_item_exclude(
        batch=batch,
        record_id=records[0].pk,
        excluded_by=manager_user,
        reason="ask legal",
        review_at=NOW + timedelta(days=30),
        now=NOW,
    )
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert _intact(records[0])
    assert records[0].review_at == NOW + timedelta(days=30)
    assert _destroyed(records[1])
    assert disposal_batches_build(now=NOW) == []
    later = disposal_batches_build(now=NOW + timedelta(days=31))
    assert [i.record_id for i in later[0].items.all()] == [records[0].pk]


def test_execute_skips_record_held_after_approval(due_records, manager_user):
    records = due_records(3)
    _approved(manager_user)
    hold = legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [records[1].pk]}, issued_by=manager_user
    )
    summary = disposal_batches_execute(now=NOW)
    assert summary.counts == {"destroyed": 2, "skipped_held": 1}
    assert _destroyed(records[0])
    assert _destroyed(records[2])
    assert _intact(records[1])
    # Released later: still not disposed until proposed and approved again.
    legal_hold_release(hold=hold, released_by=manager_user, reason="matter closed")
    assert disposal_batches_execute(now=NOW).counts == {}
    assert _intact(records[1])
    assert len(disposal_batches_build(now=NOW)) == 1


def test_execute_is_idempotent(due_records, manager_user):
    records = due_records(3)
    _approved(manager_user)
    disposal_batches_execute(now=NOW)
    counts = (
        Tombstone.objects.count(),
        DisposalCertificate.objects.count(),
        Record.history.count(),
    )
    second = disposal_batches_execute(now=NOW)
    assert second.counts == {}
    assert second.batches == []
    assert (
        Tombstone.objects.count(),
        DisposalCertificate.objects.count(),
        Record.history.count(),
    ) == counts
    assert all(_destroyed(r) for r in records)


def test_execute_batched(due_records, manager_user):
    records = due_records(5)
    _approved(manager_user)
    summary = disposal_batches_execute(now=NOW, chunk_size=2)
    assert summary.counts == {"destroyed": 5}
    assert all(_destroyed(r) for r in records)
    assert DisposalCertificate.objects.get().payload["counts"] == {"destroyed": 5}


def test_execute_interrupted_then_resumed(due_records, manager_user, monkeypatch):
    records = due_records(5)
    batch = _approved(manager_user)[0]
    real = destruction._tombstones_create
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(destruction, "_tombstones_create", flaky)
    with pytest.raises(RuntimeError):
        disposal_batches_execute(now=NOW, chunk_size=2)
    # Chunk 1 done entirely, chunk 2 rolled back entirely; nothing half-destroyed.
    assert [_destroyed(r) for r in records[:2]] == [True, True]
    assert all(_intact(r) for r in records[2:])
    batch.refresh_from_db()
    assert batch.state == "executing"
    assert not DisposalCertificate.objects.exists()
    monkeypatch.setattr(destruction, "_tombstones_create", real)
    disposal_batches_execute(now=NOW, chunk_size=2)
    assert all(_destroyed(r) for r in records)
    assert Tombstone.objects.count() == 5
    batch.refresh_from_db()
    assert batch.state == "completed"


def test_destruction_removes_text_identity_and_history_but_keeps_chat(due_records, manager_user):
    record = due_records(1)[0]
    chat = record.chat
    customer_id = chat.customer_id
    Customer.objects.filter(pk=customer_id).update(email="old@example.com")
    customer = Customer.objects.get(pk=customer_id)
    customer.email = "new@example.com"
    customer.save()  # a second history row holding an identity
    assert Customer.history.filter(id=customer_id).count() == 2
    _approved(manager_user)
    disposal_batches_execute(now=NOW)
    assert Chat.objects.filter(pk=chat.pk, customer__isnull=True).exists()
    assert not Message.objects.filter(chat=chat).exists()
    survey = Survey.objects.get(chat=chat)
    assert (survey.comment, survey.comment_redacted, survey.answers) == ("", "", {})
    assert survey.rating == 4  # aggregates stay
    assert not Customer.objects.filter(pk=customer_id).exists()
    assert not Customer.history.filter(id=customer_id).exists()
    assert not Chat.history.filter(id=chat.pk, customer_id__isnull=False).exists()
    tombstone = Tombstone.objects.get(record_id_value=record.pk)
    assert tombstone.external_id == chat.external_id
    assert tombstone.approvers == [manager_user.username]
    assert len(tombstone.content_sha256) == 64
    assert tombstone.import_sha256 == chat.content_sha256


def test_customer_with_a_live_record_is_kept(file_plan, manager_user):
    customer = {
        "external_id": "shared",
        "name": "Ana Silva",
        "email": "ana@example.ca",
        "phone": "",
    }
    old = make_chat(
        country="US", region="", started_at="2018-01-01T00:00:00+00:00", customer=customer
    )
    make_chat(country="US", region="", started_at="2025-01-01T00:00:00+00:00", customer=customer)
    from records.services import records_declare

    records_declare(now=NOW)
    _approved(manager_user)
    disposal_batches_execute(now=NOW)
    assert not Message.objects.filter(chat=old).exists()
    assert Customer.objects.filter(external_id="shared", email="ana@example.ca").exists()


def test_certificates_are_hash_chained(due_records, manager_user):
    due_records(1)
    _approved(manager_user)
    disposal_batches_execute(now=NOW)
    make_chat(country="CA", region="", started_at="2015-01-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    _approved(manager_user)
    disposal_batches_execute(now=NOW)
    first, second = DisposalCertificate.objects.order_by("sequence")
    assert second.previous_hash == first.hash
    for certificate in (first, second):
        assert certificate.hash == certificate_hash(certificate.previous_hash, certificate.payload)
    assert audit_chain_verify()[0]


def test_schedule_lengthened_withdraws_proposed_item(due_records, manager_user):
    records = due_records(2)
    batch = disposal_batches_build(now=NOW)[0]
    RetentionSchedule.objects.filter(jurisdiction="US").update(
        retention_years=F("retention_years") + 5
    )
    records_retention_recompute(record_ids=[records[0].pk], now=NOW, reason="law changed")
    assert DisposalItem.objects.get(record=records[0]).status == "withdrawn"
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert _intact(records[0])
    # records[1] was not recomputed yet; at execution it is still due under its stored date.
    assert _destroyed(records[1])


def test_unknown_country_is_never_disposed_even_if_forced_into_a_batch(file_plan, manager_user):
    chat = make_chat(country="", region="", customer=None, started_at="2014-01-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    batch = DisposalBatch.objects.create(
        record_class=record.record_class, jurisdiction="*", action="destroy", proposed_at=NOW
    )
    items_insert(batch, [record.pk])
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert DisposalItem.objects.get(record=record).status == "skipped_not_due"
    record.refresh_from_db()
    assert record.status == "flagged"
    assert Message.objects.filter(chat=chat).count() == 3


def test_anonymize_keeps_redacted_text_only(due_records, manager_user):
    RetentionSchedule.objects.filter(jurisdiction="US").update(action="anonymize")
    records = due_records(2)
    redacted, raw = records
    Message.objects.filter(chat_id=redacted.chat_id).update(text_redacted="[PERSON_1] said hi")
    Chat.objects.filter(pk=redacted.chat_id).update(redacted_at=NOW)
    _approved(manager_user)
    summary = disposal_batches_execute(now=NOW)
    assert summary.counts == {"anonymized": 1, "skipped_not_due": 1}
    texts = set(
        Message.objects.filter(chat_id=redacted.chat_id).values_list("text", "text_redacted")
    )
    assert texts == {("", "[PERSON_1] said hi")}
    redacted.refresh_from_db()
    assert redacted.status == "anonymized"
    assert _intact(raw)  # never anonymised without a redacted layer


def test_build_interrupted_proposes_nothing_then_rerun_proposes_all(file_plan, monkeypatch):
    from records.services import records_declare
    from retention.services.disposal import proposal as disposal_module

    make_chat(country="US", region="", started_at="2018-01-01T00:00:00+00:00")
    make_chat(country="CA", region="", started_at="2018-01-01T00:00:00+00:00")
    records_declare(now=NOW)
    real = disposal_module.audit_event_record
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(**kwargs)

    monkeypatch.setattr(disposal_module, "audit_event_record", flaky)
    with pytest.raises(RuntimeError):
        disposal_batches_build(now=NOW)
    assert not DisposalBatch.objects.exists()
    assert not DisposalItem.objects.exists()
    monkeypatch.setattr(disposal_module, "audit_event_record", real)
    assert len(disposal_batches_build(now=NOW)) == 2


def test_run_job_now_travels_in_time(file_plan):
    from django.core.management import call_command

    chat = make_chat(country="US", region="", started_at="2021-06-01T00:00:00+00:00")
    call_command("run_job", "declare_records", "--now", "2026-01-01T00:00:00+00:00")
    call_command("run_job", "build_disposal_batches", "--now", "2026-01-01T00:00:00+00:00")
    assert not DisposalItem.objects.exists()  # due 2026-06-01
    call_command("run_job", "build_disposal_batches", "--now", "2026-07-01T00:00:00+00:00")
    assert DisposalItem.objects.get().record.chat_id == chat.pk
    call_command("run_job", "purge_pii_originals", "--now", "2026-07-01T00:00:00+00:00")
    assert Message.objects.filter(chat=chat, original_purged_at__isnull=True).count() == 3
