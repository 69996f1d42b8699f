"""A record waiting for its QA review is never destroyed nor purged (R-QA-2).

A pending QA review blocks disposal and the original-text purge of that record, as an unknown
country does, on every path: proposing, executing (re-checked under lock, skipped with a reason)
and purging. The reviews stay in the QA backlog until a reviewer decides.
"""

import io

import pytest
from django.core.management import call_command

from chats.models import Chat, CountrySource, Message
from qa.models import QAReason, QAReview
from qa.selectors import qa_metrics
from qa.services import qa_review_confirm, qa_reviews_sample
from records.models import Record
from records.services import records_declare
from retention.models import DisposalBatch, DisposalItem, ItemStatus, Tombstone
from retention.selectors import record_ids_blocked, records_due_for_disposal
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from retention.services.purge import pii_originals_purge
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _weak_country_records(n: int) -> list[Record]:
    """US chats of 2018 (due at NOW) whose country came from a phone number, low confidence."""
    chats = [
        make_chat(country="US", region="", started_at=f"2018-01-{day + 1:02d}T10:00:00+00:00")
        for day in range(n)
    ]
    Chat.objects.filter(pk__in=[c.pk for c in chats]).update(
        country_source=CountrySource.PHONE_NUMBER, country_confidence=0.4
    )
    records_declare(now=NOW)
    qa_reviews_sample(now=NOW, rate=0.0)
    records = list(Record.objects.filter(chat__in=chats).order_by("pk"))
    assert all(r.qa_review.reason == QAReason.LOW_CONFIDENCE for r in records)
    assert all(r.disposition_due and r.disposition_due < NOW for r in records)
    return records


def _redacted(records: list[Record]) -> None:
    Message.objects.filter(chat__record__in=records).update(text_redacted="[REDACTED]")
    Chat.objects.filter(record__in=records).update(redacted_at=NOW)


def _intact(record: Record) -> bool:
    record.refresh_from_db()
    return (
        record.status == "active"
        and record.pii_purged_at is None
        and Message.objects.filter(chat_id=record.chat_id, text__gt="").count() == 3
    )


def test_a_pending_review_is_never_proposed_for_disposal(due_records):
    _weak_country_records(2)
    others = due_records(1)
    assert set(records_due_for_disposal(now=NOW)) == set(others)
    batches = disposal_batches_build(now=NOW)
    proposed = set(DisposalItem.objects.values_list("record_id", flat=True))
    assert proposed == {others[0].pk}
    assert len(batches) == 1


def test_a_pending_review_stops_execution_of_a_batch_that_already_holds_it(
    due_records, manager_user
):
    records = due_records(3)
    batch = disposal_batches_build(now=NOW)[0]
    disposal_batch_approve(batch=batch, approver=manager_user)
    # Queued for QA after approval (a low-confidence country found later).
    Chat.objects.filter(pk=records[1].chat_id).update(country_confidence=0.3)
    qa_reviews_sample(now=NOW, rate=0.0)
    assert QAReview.objects.get().record_id == records[1].pk
    summary = disposal_batches_execute(now=NOW)
    assert summary.counts == {"destroyed": 2, "skipped_not_due": 1}
    item = DisposalItem.objects.get(record=records[1])
    assert item.status == ItemStatus.SKIPPED_NOT_DUE
    assert item.reason == "QA review pending"
    assert _intact(records[1])
    assert not Tombstone.objects.filter(record_id_value=records[1].pk).exists()
    certificate = DisposalBatch.objects.get(pk=batch.pk).certificate
    reasons = {i["record"]: i["reason"] for i in certificate.payload["items"]}
    assert reasons[records[1].pk] == "QA review pending"


def test_a_pending_review_is_never_purged(file_plan):
    records = _weak_country_records(2)
    _redacted(records)
    call_command("run_job", "purge_pii_originals", "--now", NOW.isoformat(), stdout=io.StringIO())
    assert pii_originals_purge(now=NOW).purged == 0
    assert all(_intact(r) for r in records)


def test_the_purge_re_checks_a_review_queued_after_selection(file_plan):
    from retention.services.purge import records_purge_originals

    records = _weak_country_records(1)
    _redacted(records)
    result = records_purge_originals(record_ids=[records[0].pk], now=NOW)
    assert result.destroyed == []
    assert result.blocked == [records[0].pk]
    assert _intact(records[0])


def test_the_blocking_rule_names_its_reason(file_plan):
    waiting = _weak_country_records(1)[0]
    unknown = make_chat(country="", region="", customer=None, started_at="2014-01-01T00:00:00Z")
    records_declare(now=NOW)
    unknown_record = Record.objects.get(chat=unknown)
    assert record_ids_blocked([waiting.pk, unknown_record.pk]) == {
        waiting.pk: "QA review pending",
        unknown_record.pk: "country unknown",
    }


def test_the_backlog_keeps_them_and_a_confirmed_review_releases_them(file_plan, manager_user):
    records = _weak_country_records(6)
    for batch in disposal_batches_build(now=NOW):
        disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert all(_intact(r) for r in records)
    backlog = qa_metrics(now=NOW)["backlog"]
    assert backlog["size"] == 6
    assert backlog["by_reason"][QAReason.LOW_CONFIDENCE] == 6

    qa_review_confirm(review=records[0].qa_review, reviewed_by=manager_user)
    assert list(records_due_for_disposal(now=NOW)) == [records[0]]
    assert qa_metrics(now=NOW)["backlog"]["size"] == 5


def test_the_record_explains_that_it_waits_for_its_review(file_plan, manager_api):
    record = _weak_country_records(1)[0]
    body = manager_api.get(f"/api/v1/records/{record.pk}/").json()
    assert body["explanation"]["blocked"] == "QA review pending"
    assert "Waiting (QA review pending)" in body["explanation"]["summary"]
