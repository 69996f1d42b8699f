from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from chats.models import Chat, CountrySource, Customer
from chats.services.country_reinference import chats_country_reinfer
from core.exceptions import ApplicationError, ConflictError
from qa import services
from qa.models import QAReason, QAReview, QASamplingState, QAStatus
from qa.services import qa_review_confirm, qa_review_correct, qa_reviews_sample
from records import receivers
from records.models import Record, RecordStatus
from records.services import records_declare
from retention.models import DisposalItem, Tombstone
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.factories import make_chat
from tests.qa.conftest import NOW, no_country

FAR_FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


def _import(n: int, **overrides: Any) -> list[Chat]:
    return [make_chat(**overrides) for _ in range(n)]


def _reviews() -> dict[int, str]:
    return dict(QAReview.objects.values_list("record_id", "reason"))


def test_phone_numbers_give_country_and_region_with_their_source(file_plan: None) -> None:
    toronto = make_chat(
        country="", region="", customer={"external_id": "p1", "phone": "+1 416 555 0199"}
    )
    new_york = make_chat(
        country="", region="", customer={"external_id": "p2", "phone": "+1 212 555 0100"}
    )
    nothing = make_chat(**no_country(n=1))
    assert (toronto.country, toronto.region, toronto.country_source) == (
        "CA",
        "CA-ON",
        CountrySource.PHONE_NUMBER,
    )
    assert (new_york.country, new_york.country_source) == ("US", CountrySource.PHONE_NUMBER)
    assert (nothing.country, nothing.country_source, nothing.country_confidence) == (
        "",
        CountrySource.UNKNOWN,
        0.0,
    )
    records_declare(now=NOW)
    jurisdictions = dict(Record.objects.values_list("chat_id", "jurisdiction"))
    assert jurisdictions[toronto.pk] == "CA"
    assert jurisdictions[new_york.pk] == "US"
    assert Record.objects.get(chat=nothing).status == RecordStatus.FLAGGED


def test_sample_queues_unknown_and_low_confidence_and_a_stratified_sample(
    file_plan: None,
) -> None:
    ca = _import(4, country="CA", region="")
    us = _import(2, country="US", region="")
    unknown = make_chat(**no_country(n=2))
    email_only = make_chat(country="", region="", customer={"external_id": "e1", "email": "x@y.ca"})
    records_declare(now=NOW)

    counts = qa_reviews_sample(now=NOW, rate=0.5)

    reasons = _reviews()
    by_chat = dict(Record.objects.values_list("chat_id", "pk"))
    assert reasons[by_chat[unknown.pk]] == QAReason.UNKNOWN_COUNTRY
    assert reasons[by_chat[email_only.pk]] == QAReason.LOW_CONFIDENCE
    sampled = {pk for pk, reason in reasons.items() if reason == QAReason.SAMPLED}
    assert len(sampled & {by_chat[c.pk] for c in ca}) == 2  # ceil(0.5 × 4)
    assert len(sampled & {by_chat[c.pk] for c in us}) == 1  # ceil(0.5 × 2)
    assert counts == {"unknown_country": 1, "low_confidence": 1, "sampled": 3, "examined": 8}
    review = QAReview.objects.get(record_id=by_chat[email_only.pk])
    assert (review.original_country, review.original_source) == ("CA", "email_domain")
    assert review.history.count() == 1


def test_sample_rate_one_queues_every_new_record_and_zero_none(file_plan: None) -> None:
    _import(3, country="CA", region="")
    records_declare(now=NOW)
    assert qa_reviews_sample(now=NOW, rate=0.0)["sampled"] == 0
    _import(2, country="US", region="")
    records_declare(now=NOW)
    assert qa_reviews_sample(now=NOW, rate=1.0)["sampled"] == 2  # only the new ones
    assert QAReview.objects.count() == 2


def test_sample_rate_out_of_range_fails_loudly(file_plan: None) -> None:
    with pytest.raises(ApplicationError):
        qa_reviews_sample(now=NOW, rate=1.5)


def test_sample_is_deterministic_for_the_same_now(file_plan: None) -> None:
    _import(10, country="CA", region="")
    records_declare(now=NOW)
    qa_reviews_sample(now=NOW, rate=0.3)
    first = set(_reviews())
    QAReview.history.all().delete()
    QAReview.objects.all().delete()
    QASamplingState.objects.all().delete()
    qa_reviews_sample(now=NOW, rate=0.3)
    assert set(_reviews()) == first
    assert len(first) == 3


def test_sample_is_idempotent(file_plan: None) -> None:
    _import(3, country="CA", region="")
    make_chat(**no_country(n=3))
    records_declare(now=NOW)
    qa_reviews_sample(now=NOW, rate=1.0)
    before = _reviews()
    again = qa_reviews_sample(now=NOW, rate=1.0)
    assert _reviews() == before
    assert len(before) == 4
    assert again == {"unknown_country": 0, "low_confidence": 0, "sampled": 0, "examined": 0}


def test_sample_interrupted_leaves_no_half_chunk_and_a_rerun_finishes(
    file_plan: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(5, country="CA", region="")
    records_declare(now=NOW)
    real = services._reviews_create
    calls = {"n": 0}

    def flaky(records: Sequence[Any], *, reason: str, now: datetime) -> int:
        if reason == QAReason.SAMPLED:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("killed")
        return real(records, reason=reason, now=now)

    monkeypatch.setattr(services, "_reviews_create", flaky)
    with pytest.raises(RuntimeError):
        qa_reviews_sample(now=NOW, rate=1.0, chunk_size=2)
    state = QASamplingState.objects.get()
    first_two = list(Record.objects.order_by("pk").values_list("pk", flat=True)[:2])
    assert state.last_record_id == first_two[-1]
    assert set(_reviews()) == set(first_two)  # the second chunk rolled back whole
    monkeypatch.setattr(services, "_reviews_create", real)
    qa_reviews_sample(now=NOW, rate=1.0, chunk_size=2)
    assert QAReview.objects.count() == 5


def test_sample_batched(file_plan: None) -> None:
    _import(5, country="US", region="")
    for n in range(3):
        make_chat(**no_country(n=10 + n))
    records_declare(now=NOW)
    counts = qa_reviews_sample(now=NOW, rate=1.0, chunk_size=2)
    assert counts["unknown_country"] == 3
    assert counts["sampled"] == 5
    assert QAReview.objects.count() == 8
    assert QASamplingState.objects.get().last_record_id == Record.objects.order_by("-pk")[0].pk


def test_unknown_country_is_never_disposed_until_a_reviewer_sets_it(
    file_plan: None, manager_user: Any, make_user: Callable[..., Any]
) -> None:
    chat = make_chat(started_at="2015-01-01T10:00:00+00:00", **no_country(n=20))
    known = make_chat(started_at="2015-01-01T10:00:00+00:00", country="US", region="")
    records_declare(now=NOW)
    qa_reviews_sample(now=NOW, rate=0.0)
    review = QAReview.objects.get(record__chat=chat)
    assert review.reason == QAReason.UNKNOWN_COUNTRY

    batches = disposal_batches_build(now=FAR_FUTURE)
    for batch in batches:
        disposal_batch_approve(batch=batch, approver=manager_user, now=FAR_FUTURE)
    disposal_batches_execute(now=FAR_FUTURE)

    record = Record.objects.get(chat=chat)
    assert record.status == RecordStatus.FLAGGED
    assert record.disposition_due is None
    assert not DisposalItem.objects.filter(record=record).exists()
    assert chat.messages.count() == 2
    assert Tombstone.objects.filter(chat_id_value=known.pk).exists()  # the known one went

    qa_review_correct(review=review, reviewed_by=manager_user, country="US")
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
    assert record.jurisdiction == "US"
    batches = disposal_batches_build(now=FAR_FUTURE)
    assert [item.record_id for b in batches for item in b.items.all()] == [record.pk]


def test_correct_recomputes_retention_and_records_history(
    queued_review: Callable[..., QAReview], manager_user: Any
) -> None:
    review = queued_review(country="US", region="")
    record = review.record
    assert record.disposition_due is not None
    ended = record.chat.ended_at
    assert ended is not None
    assert record.disposition_due.year == ended.year + 5

    qa_review_correct(review=review, reviewed_by=manager_user, country="ca", region="ca-qc")

    record.refresh_from_db()
    record.chat.refresh_from_db()
    review.refresh_from_db()
    assert record.disposition_due is not None
    assert record.disposition_due.year == ended.year + 6
    assert record.jurisdiction == "CA"
    assert (record.chat.country, record.chat.region) == ("CA", "CA-QC")
    assert record.chat.country_source == CountrySource.QA_VERIFIED
    assert record.chat.country_confidence == 1.0
    assert (review.status, review.corrected_country, review.reviewer) == (
        QAStatus.CORRECTED,
        "CA",
        manager_user,
    )
    assert review.history.count() == 2


def test_correct_with_the_same_values_counts_as_confirmed(
    queued_review: Callable[..., QAReview], manager_user: Any
) -> None:
    review = queued_review(country="US", region="")
    qa_review_correct(review=review, reviewed_by=manager_user, country="US", region="")
    review.refresh_from_db()
    assert review.status == QAStatus.CONFIRMED
    assert review.corrected_country == ""


def test_confirm_marks_the_country_verified(
    queued_review: Callable[..., QAReview], manager_user: Any
) -> None:
    review = queued_review(country="", region="", customer={"external_id": "q", "email": "a@b.ca"})
    due = review.record.disposition_due
    qa_review_confirm(review=review, reviewed_by=manager_user)
    chat = Chat.objects.get(pk=review.record.chat_id)
    assert (chat.country, chat.country_source, chat.country_confidence) == (
        "CA",
        "qa_verified",
        1.0,
    )
    assert Record.objects.get(pk=review.record_id).disposition_due == due
    with pytest.raises(ConflictError):
        qa_review_confirm(review=review, reviewed_by=manager_user)


def test_confirm_refuses_an_unknown_country(
    queued_review: Callable[..., QAReview], manager_user: Any
) -> None:
    review = queued_review(**no_country(n=30))
    with pytest.raises(ApplicationError):
        qa_review_confirm(review=review, reviewed_by=manager_user)
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING


def test_correct_rejects_a_bad_country_and_changes_nothing(
    queued_review: Callable[..., QAReview], manager_user: Any
) -> None:
    review = queued_review(country="US", region="")
    with pytest.raises(ApplicationError):
        qa_review_correct(review=review, reviewed_by=manager_user, country="C1")
    review.refresh_from_db()
    assert review.status == QAStatus.PENDING
    assert Chat.objects.get(pk=review.record.chat_id).country == "US"


def test_reinferred_country_recomputes_the_records_retention(file_plan: None) -> None:
    chat = make_chat(**no_country(n=40))
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    assert record.status == RecordStatus.FLAGGED
    Customer.objects.filter(chats=chat).update(phone="+1 416 555 0199")

    assert chats_country_reinfer()["changed"] == 1

    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
    assert record.jurisdiction == "CA"
    assert record.disposition_due is not None
    assert chat.ended_at is not None
    assert record.disposition_due.year == chat.ended_at.year + 6
    assert record.history.first().history_change_reason == "country re-inferred"


def test_reinference_interrupted_in_the_recompute_changes_neither(
    file_plan: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat(**no_country(n=41))
    records_declare(now=NOW)
    Customer.objects.filter(chats=chat).update(phone="+1 212 555 0100")

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("killed")

    monkeypatch.setattr(receivers, "records_retention_recompute", broken)
    with pytest.raises(RuntimeError):
        chats_country_reinfer()
    assert Chat.objects.get(pk=chat.pk).country == ""  # the chunk rolled back whole
    monkeypatch.undo()
    chats_country_reinfer()
    assert Record.objects.get(chat=chat).jurisdiction == "US"


def test_run_job_sample_qa_reviews(file_plan: None) -> None:
    from django.core.management import call_command

    make_chat(**no_country(n=42))
    records_declare(now=NOW)
    call_command("run_job", "sample_qa_reviews", "--now", NOW.isoformat())
    assert QAReview.objects.get().reason == QAReason.UNKNOWN_COUNTRY
