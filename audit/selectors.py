"""Reading the audit log: one queryset for the API and the page (filtered by AuditEventFilter)."""

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_events_newest_first() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-sequence")
