from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from retention.models import (
    DisposalApproval,
    DisposalBatch,
    DisposalBatchStage,
    DisposalCertificate,
    DisposalItem,
    DispositionPolicy,
    DispositionStage,
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


class DispositionStageInline(admin.TabularInline):
    model = DispositionStage
    extra = 1
    ordering = ("position",)
    filter_horizontal = ("reviewers",)


@admin.register(DispositionPolicy)
class DispositionPolicyAdmin(SimpleHistoryAdmin):
    """Review stages per record class (issue #16); also editable at /disposal/policies/. Applies
    to batches proposed after the change."""

    list_display = ("record_class", "updated_at", "updated_by")
    inlines = (DispositionStageInline,)
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.updated_at, obj.updated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(DisposalBatchStage)
class DisposalBatchStageAdmin(ReadOnlyAdmin):
    list_display = ("batch", "position", "name", "decided_by", "decided_at", "reminded_at")
