from django.contrib import admin

from redaction.models import RedactionLog


@admin.register(RedactionLog)
class RedactionLogAdmin(admin.ModelAdmin):
    list_display = ("chat", "message", "field", "entity_counts", "detector_version", "redacted_at")
    list_filter = ("field", "detector_version")
    raw_id_fields = ("chat", "message")
    readonly_fields = (
        "chat",
        "message",
        "field",
        "entity_counts",
        "detector_version",
        "redacted_at",
    )
