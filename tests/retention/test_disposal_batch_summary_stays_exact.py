"""Issue #19: the batch page's summary, status counts and paging counts come from
DisposalBatchSummary, never from grouping a batch's items. These tests change items by every
path there is and check after each that the stored summary equals a fresh GROUP BY of the items
through their records and chats — the query the page ran before — and that the page's numbers
are those the old queries gave."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chats.hooks import ChatsCountryChanged, chat_country_changed
from chats.models import Chat, Message
from core.exceptions import ConflictError
from qa.models import QAReason, QAReview
from qa.services import qa_review_correct, qa_reviews_sample
from records.models import Record, RecordClass, RetentionSchedule
from records.services import record_class_correct
from retention.models import (
    DisposalBatch,
    DisposalBatchSummary,
    DisposalItem,
    ItemStatus,
)
from retention.review_selectors import disposal_batch_summary, disposal_review_items_count
from retention.selectors import disposal_batch_item_counts, disposal_batches_list
from retention.services.disposal.certificates import records_destroy_certified
from retention.services.disposal.execution import disposal_batch_execute, disposal_batches_execute
from retention.services.disposal.proposal import (
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_batches_build,
    disposal_item_exclude,
    disposal_items_exclude,
)
from retention.services.holds import legal_hold_place
from tests.conftest import PASSWORD
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

REVIEW_AT = NOW + timedelta(days=30)


def _fresh_summary(batch: DisposalBatch) -> list[dict]:
    """The summary as the page computed it before issue #19 (GROUP BY through records, chats)."""
    rows = (
        DisposalItem.objects.filter(batch=batch)
        .values("record__record_class__code", "record__chat__country")
        .annotate(
            year=ExtractYear("record__chat__started_at"),
            items=Count("pk"),
            pending=Count("pk", filter=Q(status=ItemStatus.PENDING)),
        )
        .order_by("record__record_class__code", "record__chat__country", "year")
    )
    return [
        {
            "record_class": row["record__record_class__code"],
            "country": row["record__chat__country"] or "unknown",
            "year": row["year"],
            "items": row["items"],
            "pending": row["pending"],
        }
        for row in rows
    ]


def assert_summaries_exact() -> None:
    """For every batch: stored summary rows == a fresh GROUP BY of its items by class, country,
    year and status; the page's summary, status counts, item count and filtered counts equal
    what the old queries answered; no row is negative; each item's group is its record's."""
    assert not DisposalBatchSummary.objects.filter(items__lt=0).exists()
    item_counts = {row.pk: getattr(row, "item_count") for row in disposal_batches_list()}  # noqa: B009
    for batch in DisposalBatch.objects.all():
        fresh = Counter(
            {
                (code, country, year, status): n
                for code, country, year, status, n in DisposalItem.objects.filter(batch=batch)
                .order_by()
                .values("record__record_class__code", "record__chat__country", "status")
                .annotate(year=ExtractYear("record__chat__started_at"), n=Count("pk"))
                .values_list(
                    "record__record_class__code", "record__chat__country", "year", "status", "n"
                )
            }
        )
        stored = Counter(
            {
                (code, country, year, status): n
                for code, country, year, status, n in DisposalBatchSummary.objects.filter(
                    batch=batch, items__gt=0
                ).values_list("record_class__code", "country", "year", "status", "items")
            }
        )
        assert stored == fresh, f"batch {batch.pk}"
        assert disposal_batch_summary(batch) == _fresh_summary(batch)
        old_counts = dict(
            DisposalItem.objects.filter(batch=batch)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        assert disposal_batch_item_counts(batch) == old_counts
        assert item_counts[batch.pk] == DisposalItem.objects.filter(batch=batch).count()
        for code, country, year, status in fresh:
            narrowing: dict[str, Any] = {
                "record_class": code,
                "country": country or "unknown",
                "year": year,
            }
            shown = DisposalItem.objects.filter(
                batch=batch,
                record__record_class__code=code,
                record__chat__country=country,
                record__chat__started_at__year=year,
            )
            assert disposal_review_items_count(batch, **narrowing) == shown.count()
            assert (
                disposal_review_items_count(batch, **narrowing, status=status)
                == shown.filter(status=status).count()
            )
    stale = DisposalItem.objects.annotate(year=ExtractYear("record__chat__started_at")).filter(
        ~Q(group_class=F("record__record_class"))
        | ~Q(group_country=F("record__chat__country"))
        | ~Q(group_year=F("year"))
    )
    assert not stale.exists()


def _chats(n: int, *, year: int, country: str = "US") -> list[Chat]:
    return [
        make_chat(
            country=country,
            region="",
            started_at=f"{year}-{day // 28 + 1:02d}-{day % 28 + 1:02d}T10:00:00+00:00",
        )
        for day in range(n)
    ]


@pytest.fixture
def batch(file_plan) -> DisposalBatch:
    """One US batch: 4 chats of 2017 and 3 of 2018, all due at NOW."""
    from records.services import records_declare

    _chats(4, year=2017)
    _chats(3, year=2018)
    records_declare(now=NOW)
    (built,) = disposal_batches_build(now=NOW)
    return built


def _records(batch: DisposalBatch) -> list[Record]:
    return list(Record.objects.filter(disposal_items__batch=batch).order_by("pk"))


def _row(batch: DisposalBatch, **key) -> dict:
    (row,) = [r for r in disposal_batch_summary(batch) if all(r[k] == v for k, v in key.items())]
    return row


def test_build_writes_the_summary_of_every_batch(batch):
    assert_summaries_exact()
    assert disposal_batch_summary(batch) == [
        {"record_class": "CS-CHAT", "country": "US", "year": 2017, "items": 4, "pending": 4},
        {"record_class": "CS-CHAT", "country": "US", "year": 2018, "items": 3, "pending": 3},
    ]
    assert disposal_batch_item_counts(batch) == {"pending": 7}


def test_sending_back_one_several_or_a_summary_row_moves_their_counts(batch, manager_user):
    records = _records(batch)
    disposal_item_exclude(
        batch=batch, record_id=records[0].pk, excluded_by=manager_user, reason="r",
        review_at=REVIEW_AT, now=NOW,
    )  # fmt: skip
    assert_summaries_exact()
    with pytest.raises(ConflictError):  # a replay changes nothing
        disposal_item_exclude(
            batch=batch, record_id=records[0].pk, excluded_by=manager_user, reason="r",
            review_at=REVIEW_AT, now=NOW,
        )  # fmt: skip
    assert_summaries_exact()
    disposal_items_exclude(
        batch=batch, record_ids=[records[1].pk, records[4].pk], excluded_by=manager_user,
        reason="r", review_at=REVIEW_AT, now=NOW,
    )  # fmt: skip
    assert_summaries_exact()
    with pytest.raises(ConflictError):
        disposal_items_exclude(
            batch=batch, record_ids=[records[1].pk, records[2].pk], excluded_by=manager_user,
            reason="r", review_at=REVIEW_AT, now=NOW,
        )  # fmt: skip
    assert_summaries_exact()
    assert _row(batch, year=2017) == {
        "record_class": "CS-CHAT", "country": "US", "year": 2017, "items": 4, "pending": 2,
    }  # fmt: skip
    # The page's "send back every pending item of this row".
    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    response = client.post(
        f"/disposal/{batch.pk}/",
        {
            "action": "exclude_matching", "reason": "audit", "review_at": "2027-06-01",
            "record_class": "CS-CHAT", "country": "US", "year": "2017", "expected": "2",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert_summaries_exact()
    assert _row(batch, year=2017)["pending"] == 0
    assert _row(batch, year=2018)["pending"] == 2
    assert disposal_batch_item_counts(batch) == {"excluded": 5, "pending": 2}


def test_approval_rejection_and_their_replays_change_no_count(batch, manager_user, make_user):
    before = disposal_batch_summary(batch)
    disposal_batch_approve(batch=batch, approver=manager_user)
    with pytest.raises(ConflictError):
        disposal_batch_approve(batch=batch, approver=manager_user)
    assert_summaries_exact()
    disposal_batch_reject(batch=batch, rejected_by=manager_user, reason="not now")
    with pytest.raises(ConflictError):
        disposal_batch_reject(batch=batch, rejected_by=manager_user, reason="again")
    assert_summaries_exact()
    assert disposal_batch_summary(batch) == before


def test_a_hold_placed_after_build_skips_its_items_and_the_summary_follows(batch, manager_user):
    records = _records(batch)
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [records[0].pk, records[5].pk]},
        issued_by=manager_user,
    )  # fmt: skip
    disposal_batch_approve(batch=batch, approver=manager_user)
    summary = disposal_batches_execute(now=NOW)
    assert summary.counts == {"destroyed": 5, "skipped_held": 2}
    assert_summaries_exact()
    assert disposal_batch_item_counts(batch) == {"destroyed": 5, "skipped_held": 2}
    assert [row["pending"] for row in disposal_batch_summary(batch)] == [0, 0]


def test_a_qa_block_at_execution_skips_its_items_and_the_summary_follows(batch, manager_user):
    records = _records(batch)
    QAReview.objects.create(
        record=records[2], reason=QAReason.SAMPLED, queued_at=NOW, original_source="source_system"
    )
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert_summaries_exact()
    assert disposal_batch_item_counts(batch) == {"destroyed": 6, "skipped_not_due": 1}


def test_a_second_execution_counts_nothing_twice(batch, manager_user):
    disposal_batch_approve(batch=batch, approver=manager_user)
    first = disposal_batch_execute(batch_id=batch.pk, now=NOW, chunk_size=2)
    again = disposal_batch_execute(batch_id=batch.pk, now=NOW, chunk_size=2)
    both = disposal_batches_execute(now=NOW)
    assert first.counts == {"destroyed": 7}
    assert again.counts == {}
    assert both.counts == {}
    assert_summaries_exact()
    assert disposal_batch_item_counts(batch) == {"destroyed": 7}


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_keep_the_summary_exact(file_plan, manager_user):
    """PostgreSQL: two connections move items of the same summary rows in chunks of 2 (SQLite
    runs them one after the other)."""
    from records.services import records_declare

    _chats(30, year=2017)
    _chats(20, year=2018)
    records_declare(now=NOW)
    (batch,) = disposal_batches_build(now=NOW)
    held = _records(batch)[::7]
    legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [r.pk for r in held]}, issued_by=manager_user
    )
    disposal_batch_approve(batch=batch, approver=manager_user)
    first = disposal_batches_execute(now=NOW, chunk_size=2, workers=2)
    again = disposal_batches_execute(now=NOW, chunk_size=2, workers=2)
    assert first.counts == {"destroyed": 50 - len(held), "skipped_held": len(held)}
    assert again.counts == {}
    assert_summaries_exact()
    assert disposal_batch_item_counts(batch) == first.counts


def test_anonymize_outcomes_are_counted(file_plan, manager_user):
    from records.services import records_declare

    RetentionSchedule.objects.filter(jurisdiction="US").update(action="anonymize")
    redacted, _raw = _chats(2, year=2018)
    Message.objects.filter(chat=redacted).update(text_redacted="[PERSON_1] said hi")
    Chat.objects.filter(pk=redacted.pk).update(redacted_at=NOW)
    records_declare(now=NOW)
    (batch,) = disposal_batches_build(now=NOW)
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    assert_summaries_exact()
    assert disposal_batch_item_counts(batch) == {"anonymized": 1, "skipped_not_due": 1}


def test_a_qa_country_correction_in_an_open_batch_moves_its_count(batch, manager_user):
    records = _records(batch)
    review = QAReview.objects.create(
        record=records[6], reason=QAReason.SAMPLED, queued_at=NOW, original_source="source_system"
    )
    qa_review_correct(review=review, reviewed_by=manager_user, country="CA", now=NOW)
    assert_summaries_exact()
    # Out of the US row, into a CA row of the same batch (withdrawn: its date moved).
    assert _row(batch, country="US", year=2018) == {
        "record_class": "CS-CHAT", "country": "US", "year": 2018, "items": 2, "pending": 2,
    }  # fmt: skip
    assert _row(batch, country="CA", year=2018) == {
        "record_class": "CS-CHAT", "country": "CA", "year": 2018, "items": 1, "pending": 0,
    }  # fmt: skip
    assert _row(batch, country="US", year=2017)["items"] == 4  # untouched
    assert disposal_batch_item_counts(batch) == {"pending": 6, "withdrawn": 1}


def test_a_class_correction_moves_an_excluded_items_count(batch, manager_user):
    records = _records(batch)
    disposal_item_exclude(
        batch=batch, record_id=records[0].pk, excluded_by=manager_user, reason="r",
        review_at=REVIEW_AT, now=NOW,
    )  # fmt: skip
    complaint = RecordClass.objects.get(code="CS-CHAT-COMPLAINT")
    record_class_correct(record=records[0], record_class=complaint, corrected_by=manager_user,
                         reason="complaint", now=NOW)  # fmt: skip
    assert_summaries_exact()
    assert _row(batch, record_class="CS-CHAT-COMPLAINT") == {
        "record_class": "CS-CHAT-COMPLAINT", "country": "US", "year": 2017, "items": 1,
        "pending": 0,
    }  # fmt: skip
    assert _row(batch, record_class="CS-CHAT", year=2017)["items"] == 3


def test_a_reinferred_chat_country_moves_its_count(batch):
    records = _records(batch)
    Chat.objects.filter(pk=records[3].chat_id).update(country="GB")
    chat_country_changed.send(ChatsCountryChanged(chat_ids=(records[3].chat_id,), reason="x"))
    assert_summaries_exact()
    assert _row(batch, country="GB")["items"] == 1


def test_a_certified_destruction_outside_the_cycle_is_counted(file_plan, manager_user):
    from records.services import records_declare

    chats = _chats(3, year=2020)
    records_declare(now=NOW)
    ids = list(Record.objects.filter(chat__in=chats).values_list("pk", flat=True))
    legal_hold_place(matter="m", reason="r", scope={"record_ids": ids[:1]}, issued_by=manager_user)
    records_destroy_certified(record_ids=ids, now=NOW, reason="erasure", actor=manager_user)
    assert_summaries_exact()
    (batch,) = DisposalBatch.objects.all()
    assert disposal_batch_item_counts(batch) == {"destroyed": 2}


def test_the_batch_page_never_counts_or_groups_the_items(batch, manager_user, file_plan):
    from records.services import records_declare

    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    urls = [
        f"/disposal/{batch.pk}/",
        f"/disposal/{batch.pk}/?record_class=CS-CHAT&country=US&year=2017",
        f"/disposal/{batch.pk}/?record_class=CS-CHAT&status=pending&page=1",
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        on_items = [q["sql"] for q in queries if "retention_disposalitem" in q["sql"]]
        assert on_items, url
        for sql in on_items:
            assert "COUNT(" not in sql.upper(), sql
            assert "GROUP BY" not in sql.upper(), sql
    # Eight times the items: the same queries.
    _chats(40, year=2017)
    records_declare(now=NOW)
    (bigger,) = disposal_batches_build(now=NOW)
    assert bigger.items.count() == 40
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url.replace(f"/{batch.pk}/", f"/{bigger.pk}/")).status_code == 200
        assert len(queries) == before, url


def test_qa_sampling_after_build_does_not_touch_the_summary(batch):
    before = disposal_batch_summary(batch)
    qa_reviews_sample(now=NOW, rate=1.0)
    assert_summaries_exact()
    assert disposal_batch_summary(batch) == before
