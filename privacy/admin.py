from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from privacy.models import DataSubjectMatch, DataSubjectRequest


class DataSubjectMatchInline(admin.TabularInline):
    model = DataSubjectMatch
    extra = 0
    raw_id_fields = ("chat",)
    readonly_fields = ("chat", "bases", "confirmed", "found_at")
    can_delete = False


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(SimpleHistoryAdmin):
    """Requests are answered on their pages (search, export, erase are audited there)."""

    list_display = ("pk", "kind", "status", "law", "received_at", "due_at", "handled_by")
    list_filter = ("status", "kind", "law")
    readonly_fields = (
        "kind",
        "status",
        "jurisdiction",
        "law",
        "received_at",
        "due_at",
        "closed_at",
        "phone_e164",
        "searched_at",
        "result",
        "created_by",
        "handled_by",
    )
    inlines = [DataSubjectMatchInline]
