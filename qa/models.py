"""QA spot-checks of a record's country (R-QA-1, R-QA-2).

A record is queued at most once (one QAReview per record). The review keeps the country evidence
as it was when queued (original_*) next to what the reviewer decided (corrected_*), so error
rates per country source can be computed long after the chat's metadata changed.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class QAReason(models.TextChoices):
    UNKNOWN_COUNTRY = "unknown_country", "Country unknown"
    LOW_CONFIDENCE = "low_confidence", "Country of low confidence"
    SAMPLED = "sampled", "Random sample"


class QAStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    CORRECTED = "corrected", "Corrected"


class QAReview(models.Model):
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
    history = HistoricalRecords()

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = "QA review"
        indexes = [
            models.Index(fields=["status", "reason", "queued_at"]),
            # The queue page walks pending reviews oldest first and stops after one page.
            models.Index(fields=["status", "queued_at", "id"], name="qa_review_queue_order"),
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
