from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from qa.models import QAReview, QASamplingState


@admin.register(QAReview)
class QAReviewAdmin(SimpleHistoryAdmin):
    """Reviews are decided on the QA pages (they recompute retention); the admin only shows."""

    list_display = ("pk", "record", "reason", "status", "queued_at", "reviewer", "reviewed_at")
    list_filter = ("status", "reason", "original_source")
    raw_id_fields = ("record",)
    readonly_fields = (
        "record",
        "reason",
        "status",
        "queued_at",
        "original_country",
        "original_region",
        "original_source",
        "original_confidence",
        "reviewer",
        "reviewed_at",
        "corrected_country",
        "corrected_region",
        "corrected_record_class",
    )


@admin.register(QASamplingState)
class QASamplingStateAdmin(admin.ModelAdmin):
    list_display = ("last_record_id", "updated_at")
