from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, even for admins."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_username",
        "action",
        "target_type",
        "target_id",
    )
    list_filter = ("action",)
    search_fields = ("target_id", "actor_username")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
