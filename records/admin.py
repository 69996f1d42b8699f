from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from records.models import CustomerEvent, DeclarationRule, Record, RecordClass, RetentionSchedule


@admin.register(RecordClass)
class RecordClassAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "is_record")
    search_fields = ("code", "title")


@admin.register(DeclarationRule)
class DeclarationRuleAdmin(SimpleHistoryAdmin):
    list_display = ("position", "name", "record_class", "agent_participation", "is_active")
    list_filter = ("is_active", "record_class")
    ordering = ("position",)


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(SimpleHistoryAdmin):
    list_display = (
        "record_class",
        "jurisdiction",
        "period_label",
        "trigger",
        "pii_period_days",
        "action",
    )
    list_filter = ("record_class", "action")


@admin.register(Record)
class RecordAdmin(SimpleHistoryAdmin):
    """Retention fields are computed by services; the admin only shows them."""

    list_display = ("pk", "chat", "record_class", "status", "jurisdiction", "disposition_due")
    list_filter = ("status", "record_class", "jurisdiction")
    search_fields = ("chat__external_id",)
    raw_id_fields = ("chat",)
    readonly_fields = (
        "chat",
        "record_class",
        "declared_at",
        "declared_by_rule",
        "schedule",
        "jurisdiction",
        "trigger",
        "trigger_at",
        "disposition_due",
        "pii_purge_due",
        "status",
        "flag_reason",
        "review_at",
        "pii_purged_at",
        "transcript_sha256",
        "disposed_at",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerEvent)
class CustomerEventAdmin(admin.ModelAdmin):
    list_display = ("customer", "name", "occurred_at", "recorded_by")
    raw_id_fields = ("customer",)
