"""QA spot-checks of a record's country (R-QA-1, R-QA-2).

A record is queued at most once (one QAReview per record). The review keeps the country evidence
as it was when queued (original_*) next to what the reviewer decided (corrected_*), so error
rates per country source can be computed long after the chat's metadata changed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from simple_history.models import HistoricalRecords


class QAReason(models.TextChoices):
    UNKNOWN_COUNTRY = "unknown_country", "Country unknown"
    LOW_CONFIDENCE = "low_confidence", "Country of low confidence"
    SAMPLED = "sampled", "Random sample"


class QAStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    CORRECTED = "corrected", "Corrected"


# The queue's order: unknown countries block disposal, so they come first; then weak ones; then
# samples. The partial index qa_review_pending_live is built on this very expression, so the
# queue's ORDER BY … LIMIT walks it (qa.selectors.qa_reviews_pending).
REASON_PRIORITY = Case(
    When(reason=QAReason.UNKNOWN_COUNTRY, then=Value(0)),
    When(reason=QAReason.LOW_CONFIDENCE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class QAReview(models.Model):
    """Invariant (issue #19): `record_live` is true exactly while the record's status is live
    (records.rules.LIVE_STATUSES). Reviews are queued for live records only; the destruction
    path clears it in its own transaction (retention.hooks.records_destroyed, answered by
    qa.receivers), and sample_qa_reviews reconciles any write no hook saw
    (qa.services.qa_reviews_record_live_sync). It is a cache of the record's status, so it is
    not in the review's history."""

    record = models.OneToOneField(
        "records.Record", on_delete=models.PROTECT, related_name="qa_review"
    )
    reason = models.CharField(max_length=16, choices=QAReason.choices)
    status = models.CharField(
        max_length=10, choices=QAStatus.choices, default=QAStatus.PENDING, db_index=True
    )
    queued_at = models.DateTimeField(db_index=True)
    # The chat's country evidence when the record was queued.
    original_country = models.CharField(max_length=2, blank=True)
    original_region = models.CharField(max_length=6, blank=True)
    original_source = models.CharField(max_length=20)
    original_confidence = models.FloatField(default=0.0)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    corrected_country = models.CharField(max_length=2, blank=True)
    corrected_region = models.CharField(max_length=6, blank=True)
    corrected_record_class = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    record_live = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["record_live"])

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = "QA review"
        indexes = [
            models.Index(fields=["status", "reason", "queued_at"]),
            # The queue page walks pending reviews oldest first and stops after one page.
            models.Index(fields=["status", "queued_at", "id"], name="qa_review_queue_order"),
            # The queue proper (pending reviews of live records): its count is an index-only
            # scan and its most urgent page the first entries, without touching the records.
            models.Index(
                REASON_PRIORITY,
                F("queued_at"),
                F("id"),
                name="qa_review_pending_live",
                condition=Q(status=QAStatus.PENDING, record_live=True),
            ),
        ]

    def __str__(self) -> str:
        return f"QA review {self.pk} of record {self.record_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == QAStatus.PENDING


class QASamplingState(models.Model):
    """The sampling cursor: records with a larger id are "newly declared" and not yet sampled."""

    singleton = models.BooleanField(default=True, unique=True)
    last_record_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "QA sampling state"

    def __str__(self) -> str:
        return f"sampled up to record {self.last_record_id}"
