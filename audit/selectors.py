"""Reading the audit log."""

from datetime import datetime

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_events_list(
    *,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
) -> QuerySet[AuditEvent]:
    queryset = AuditEvent.objects.order_by("-sequence")
    if action:
        # "hold" matches hold.placed and hold.released; "hold.placed" matches exactly.
        queryset = (
            queryset.filter(action=action)
            if "." in action
            else queryset.filter(action__startswith=action + ".")
        )
    if target_type:
        queryset = queryset.filter(target_type=target_type)
    if target_id:
        queryset = queryset.filter(target_id=target_id)
    if actor:
        queryset = queryset.filter(actor_username=actor)
    if occurred_after:
        queryset = queryset.filter(occurred_at__gte=occurred_after)
    if occurred_before:
        queryset = queryset.filter(occurred_at__lt=occurred_before)
    return queryset
