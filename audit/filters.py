import django_filters
from django.db.models import QuerySet

from audit.models import AuditEvent
from core.filters import UtcIsoDateTimeFilter


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        method="by_action", help_text="an exact action such as hold.placed, or a prefix: hold"
    )
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    actor = django_filters.CharFilter(field_name="actor_username")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = [
            "action",
            "target_type",
            "target_id",
            "actor",
            "occurred_after",
            "occurred_before",
        ]

    def by_action(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        if "." in value:
            return queryset.filter(action=value)
        return queryset.filter(action__startswith=value + ".")
