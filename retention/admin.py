from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from retention.models import (
    DisposalApproval,
    DisposalBatch,
    DisposalCertificate,
    DisposalItem,
    LegalHold,
    LegalHoldRecord,
    Tombstone,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and workflow state change only through services (holds, reviews, execution)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("pk", "matter", "reference", "placed_at", "released_at")


@admin.register(LegalHoldRecord)
class LegalHoldRecordAdmin(ReadOnlyAdmin):
    list_display = ("hold", "record", "added_at")


@admin.register(DisposalBatch)
class DisposalBatchAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("pk", "record_class", "jurisdiction", "action", "state", "proposed_at")
    list_filter = ("state",)


@admin.register(DisposalItem)
class DisposalItemAdmin(ReadOnlyAdmin):
    list_display = ("batch", "record", "status", "processed_at")
    list_filter = ("status",)


@admin.register(DisposalApproval)
class DisposalApprovalAdmin(ReadOnlyAdmin):
    list_display = ("batch", "approver", "approved_at")


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = ("record_id_value", "source", "external_id", "record_class", "disposed_at")
    search_fields = ("external_id",)


@admin.register(DisposalCertificate)
class DisposalCertificateAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "batch", "issued_at", "hash")
