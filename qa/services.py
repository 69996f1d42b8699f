"""The QA queue (R-QA-1, R-QA-2): sampling records for a country check, confirming, correcting.

sample_qa_reviews invariants:
- A record is queued at most once (QAReview.record is one-to-one); re-running never queues it
  again, so the job is idempotent.
- Every live record whose chat country is unknown or below LOW_CONFIDENCE_THRESHOLD is queued.
- Newly declared records (id above the sampling cursor) are sampled per country (stratified):
  ceil(rate × n) of each country's n new records in a chunk, chosen by a generator seeded with
  `now`, the chunk and the country, so a run is reproducible. The cursor advances in the same
  transaction as the chunk's reviews: a run killed mid-way redoes only the open chunk.
- Each chunk locks the sampling cursor row first, so two runs take turns instead of racing.
- A run first reconciles QAReview.record_live of pending reviews with their records' status
  (qa_reviews_record_live_sync): the destruction hook keeps it exact; this repairs any write no
  hook saw, within one sampling period.

Corrections go through records.services.record_country_correct, which recomputes retention
(R-RET-3), keeps history and writes the audit event; a record whose country is unknown stays
flagged (never disposed) until a reviewer sets it.
"""

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from audit.services import audit_event_record
from chats.country import CONFIDENCE_QA_VERIFIED, LOW_CONFIDENCE_THRESHOLD
from chats.models import Chat, CountrySource
from core.batching import chunks_process
from core.db import any_of, history_write, tables_analyze_after_bulk
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from qa.models import QAReason, QAReview, QASamplingState, QAStatus
from records.models import Record, RecordClass
from records.rules import LIVE_STATUSES, record_status_is_live, records_live_q
from records.services import record_class_correct, record_country_correct

logger = logging.getLogger(__name__)

SAMPLE_CHUNK_SIZE = 1000


def _state_locked() -> QASamplingState:
    QASamplingState.objects.get_or_create(singleton=True)
    return QASamplingState.objects.select_for_update().get(singleton=True)


@dataclass(frozen=True)
class _Candidate:
    """What sampling reads of a record and its chat: a few columns, never model instances
    (issue #19: loading whole records and chats cost more than everything else the job did)."""

    pk: int
    status: str
    country: str
    region: str
    country_source: str
    country_confidence: float


_CANDIDATE_COLUMNS = (
    "pk",
    "status",
    "chat__country",
    "chat__region",
    "chat__country_source",
    "chat__country_confidence",
)


def _candidates_after(
    queryset: QuerySet[Record], after: int | None, chunk_size: int
) -> list[_Candidate]:
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = queryset.order_by("pk").values_list(*_CANDIDATE_COLUMNS)[:chunk_size]
    return [_Candidate(*row) for row in rows]


def _reviews_create(records: Sequence[_Candidate], *, reason: str, now: datetime) -> int:
    reviews = [
        QAReview(
            record_id=record.pk,
            reason=reason,
            queued_at=now,
            original_country=record.country,
            original_region=record.region,
            original_source=record.country_source,
            original_confidence=record.country_confidence,
        )
        for record in records
    ]
    if not reviews:
        return 0
    created = QAReview.objects.bulk_create(reviews)
    if any(review.pk is None for review in created):  # backends without RETURNING
        ids = dict(
            QAReview.objects.filter(record_id__in=[r.pk for r in records]).values_list(
                "record_id", "pk"
            )
        )
        for review in created:
            review.pk = ids[review.record_id]
    history_write(QAReview, created, reason=f"queued: {reason}"[:100], when=timezone.now())
    return len(created)


def _queue_weak_countries(*, now: datetime, chunk_size: int, counts: dict[str, int]) -> None:
    """Queues every live record of unknown or low-confidence country not queued yet."""
    # LIMIT without OFFSET plus a key cursor: queued records drop out of the query.
    weak = Record.objects.filter(
        records_live_q(),
        chat__country_confidence__lt=LOW_CONFIDENCE_THRESHOLD,
        qa_review__isnull=True,
    )

    def claim(after: _Candidate | None) -> list[_Candidate]:
        _state_locked()
        return _candidates_after(weak, after.pk if after else None, chunk_size)

    def queue(chunk: Sequence[_Candidate]) -> None:
        unknown = [r for r in chunk if not r.country]
        known = [r for r in chunk if r.country]
        counts[QAReason.UNKNOWN_COUNTRY] += _reviews_create(
            unknown, reason=QAReason.UNKNOWN_COUNTRY, now=now
        )
        counts[QAReason.LOW_CONFIDENCE] += _reviews_create(
            known, reason=QAReason.LOW_CONFIDENCE, now=now
        )

    chunks_process(claim=claim, process=queue, chunk_size=chunk_size, label="qa weak countries")


def _sample_size(rate: float, population: int) -> int:
    # round() first: 0.1 * 30 is 3.0000000000000004 in floating point, which ceil makes 4.
    return min(population, math.ceil(round(rate * population, 9)))


def _sample_new_records(
    *, now: datetime, rate: float, chunk_size: int, counts: dict[str, int]
) -> None:
    """Samples records above the cursor, stratified by country, and advances the cursor."""

    state: QASamplingState | None = None

    def claim(after: _Candidate | None) -> list[_Candidate]:
        # The cursor row, locked, is the key: it advances in the chunk's own transaction.
        nonlocal state
        state = _state_locked()
        return _candidates_after(Record.objects.all(), state.last_record_id, chunk_size)

    def sample(chunk: Sequence[_Candidate]) -> None:
        queued = set(
            QAReview.objects.filter(
                record_id__gte=chunk[0].pk, record_id__lte=chunk[-1].pk
            ).values_list("record_id", flat=True)
        )
        strata: dict[str, list[_Candidate]] = {}
        for record in chunk:
            if record_status_is_live(record.status) and record.pk not in queued:
                strata.setdefault(record.country, []).append(record)
        picked: list[_Candidate] = []
        for country, records in sorted(strata.items()):
            generator = random.Random(f"{now.isoformat()}|{chunk[0].pk}|{country}")  # noqa: S311 - sampling, not security
            picked.extend(generator.sample(records, _sample_size(rate, len(records))))
        picked.sort(key=lambda record: record.pk)
        counts[QAReason.SAMPLED] += _reviews_create(picked, reason=QAReason.SAMPLED, now=now)
        counts["examined"] += len(chunk)
        assert state is not None  # noqa: S101 - claimed (and locked) just before
        state.last_record_id, state.updated_at = chunk[-1].pk, now
        state.save(update_fields=["last_record_id", "updated_at"])

    chunks_process(claim=claim, process=sample, chunk_size=chunk_size, label="qa sampling")


def qa_reviews_records_gone(record_ids: Sequence[int]) -> int:
    """The records are no longer live (destroyed or anonymised): their reviews leave the queue.
    One set-based UPDATE, in the destruction's transaction; the review keeps its status and its
    history (record_live is a cache of the record's status, not a decision)."""
    return QAReview.objects.filter(any_of("record_id", list(record_ids)), record_live=True).update(
        record_live=False
    )


def qa_reviews_record_live_sync() -> int:
    """Reconciles `record_live` of pending reviews with their records' status, both ways, for a
    write no hook saw (a set-based UPDATE or raw SQL outside the services, a restore, a review
    queued by a sampling run that raced a destruction). Two set-based UPDATEs; returns how many
    reviews changed. Run by sample_qa_reviews before it queues anything."""
    live = Exists(Record.objects.filter(pk=OuterRef("record_id"), status__in=LIVE_STATUSES))
    pending = QAReview.objects.filter(status=QAStatus.PENDING)
    gone = pending.filter(~live, record_live=True).update(record_live=False)
    back = pending.filter(live, record_live=False).update(record_live=True)
    if gone or back:
        logger.warning("sample_qa_reviews: record_live repaired (%d gone, %d back)", gone, back)
    return gone + back


def qa_reviews_sample(
    *, now: datetime, rate: float | None = None, chunk_size: int = SAMPLE_CHUNK_SIZE
) -> dict[str, int]:
    """The sample_qa_reviews job: queue weak countries, then sample newly declared records."""
    rate = float(settings.QA_SAMPLE_RATE if rate is None else rate)
    if not 0.0 <= rate <= 1.0:
        # Fail loudly: a mistyped rate must not silently stop (or flood) the QA queue.
        raise ApplicationError("QA_SAMPLE_RATE must be between 0 and 1", extra={"rate": rate})
    counts = {
        QAReason.UNKNOWN_COUNTRY.value: 0,
        QAReason.LOW_CONFIDENCE.value: 0,
        QAReason.SAMPLED.value: 0,
        "examined": 0,
    }
    qa_reviews_record_live_sync()
    _queue_weak_countries(now=now, chunk_size=chunk_size, counts=counts)
    _sample_new_records(now=now, rate=rate, chunk_size=chunk_size, counts=counts)
    tables_analyze_after_bulk([QAReview], sum(counts[reason] for reason in QAReason.values))
    if any(counts[reason] for reason in QAReason.values):
        audit_event_record(
            actor=None,
            action="qa.sampled",
            target_type="qa.qareview",
            data={"rate": rate, **counts},
        )
    logger.info("sample_qa_reviews: %s", counts)
    return counts


def _review_locked(review: QAReview) -> QAReview:
    review = (
        QAReview.objects.select_for_update(of=("self",))
        .select_related("record__chat", "record__record_class")
        .get(pk=review.pk)
    )
    if not review.is_pending:
        raise ConflictError(
            f"QA review {review.pk} is already {review.status}", extra={"review": review.pk}
        )
    if not record_status_is_live(review.record.status):
        raise ConflictError(
            f"Record {review.record_id} is {review.record.status}; nothing left to review",
            extra={"review": review.pk, "record": review.record_id},
        )
    return review


def _chat_mark_verified(chat: Chat, *, by: User, reason: str) -> None:
    chat.country_source, chat.country_confidence = CountrySource.QA_VERIFIED, CONFIDENCE_QA_VERIFIED
    history_note(chat, user=by, reason=reason)
    chat.save(update_fields=["country_source", "country_confidence"])


def _review_finish(
    review: QAReview, *, status: str, by: User, notes: str, now: datetime, reason: str
) -> None:
    review.status, review.reviewer, review.reviewed_at = status, by, now
    review.notes = notes.strip()
    history_note(review, user=by, reason=reason)
    review.save()


@transaction.atomic
def qa_review_confirm(
    *, review: QAReview, reviewed_by: User, notes: str = "", now: datetime | None = None
) -> QAReview:
    """The country is right: it becomes QA-verified (confidence 1). Unknown cannot be confirmed."""
    review = _review_locked(review)
    chat = review.record.chat
    if not chat.country:
        raise ApplicationError(
            "The country is unknown: correct it instead of confirming",
            extra={"review": review.pk, "field": "country"},
        )
    moment = now or timezone.now()
    _chat_mark_verified(chat, by=reviewed_by, reason=f"QA review {review.pk} confirmed")
    _review_finish(
        review,
        status=QAStatus.CONFIRMED,
        by=reviewed_by,
        notes=notes,
        now=moment,
        reason="confirmed",
    )
    audit_event_record(
        actor=reviewed_by,
        action="qa.review_confirmed",
        target=review,
        data={
            "record": review.record_id,
            "country": chat.country,
            "region": chat.region,
            "original_source": review.original_source,
        },
    )
    return review


@transaction.atomic
def qa_review_correct(
    *,
    review: QAReview,
    reviewed_by: User,
    country: str,
    region: str = "",
    record_class: RecordClass | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> QAReview:
    """Sets the record's country/region (and optionally its class); retention is recomputed.

    Submitting the values the chat already has counts as a confirmation (status confirmed), so
    error rates only count real corrections."""
    review = _review_locked(review)
    record, chat = review.record, review.record.chat
    moment = now or timezone.now()
    country, region = (country or "").strip().upper(), (region or "").strip().upper()
    reason = f"QA review {review.pk}"
    changed_place = (country, region) != (chat.country, chat.region)
    if changed_place or not country:
        # Validates the codes, recomputes retention, records history and the audit event.
        record = record_country_correct(
            record=record,
            country=country,
            region=region,
            corrected_by=reviewed_by,
            reason=reason,
            now=moment,
        )
    else:
        _chat_mark_verified(chat, by=reviewed_by, reason=f"{reason} confirmed")
    changed_class = record_class is not None and record_class.pk != record.record_class_id
    if changed_class:
        assert record_class is not None  # noqa: S101 - narrowed above
        record_class_correct(
            record=record,
            record_class=record_class,
            corrected_by=reviewed_by,
            reason=reason,
            now=moment,
        )
    status = QAStatus.CORRECTED if changed_place or changed_class else QAStatus.CONFIRMED
    if changed_place:
        review.corrected_country, review.corrected_region = country, region
    if changed_class:
        assert record_class is not None  # noqa: S101 - narrowed above
        review.corrected_record_class = record_class.code
    _review_finish(review, status=status, by=reviewed_by, notes=notes, now=moment, reason=status)
    audit_event_record(
        actor=reviewed_by,
        action=f"qa.review_{status}",
        target=review,
        data={
            "record": review.record_id,
            "before": {"country": review.original_country, "region": review.original_region},
            "after": {"country": country, "region": region},
            "record_class": review.corrected_record_class or None,
            "original_source": review.original_source,
        },
    )
    return review
