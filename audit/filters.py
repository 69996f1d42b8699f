from datetime import date

import django_filters
from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from core.filters import UtcIsoDateTimeFilter
from core.reports import ReportPeriod


class AuditEventFilter(django_filters.FilterSet):
    """One filter set for the API and the page: an auditor finds every event of one record and
    one day in one search (`target_id=13&day=2026-11-30`)."""

    action = django_filters.CharFilter(
        method="by_action",
        help_text="hold.placed (exact), hold. (a prefix), or any part of it: original",
    )
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter(
        method="by_target_id", help_text="an id; also found in a list of ids (13 in 13,193)"
    )
    actor = django_filters.CharFilter(field_name="actor_username")
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    day = django_filters.DateFilter(method="by_day", help_text="one day, in TIME_ZONE")
    day_from = django_filters.DateFilter(method="by_day_from", help_text="first day, inclusive")
    day_to = django_filters.DateFilter(method="by_day_to", help_text="last day, inclusive")

    class Meta:
        model = AuditEvent
        fields = [
            "action",
            "target_type",
            "target_id",
            "actor",
            "occurred_after",
            "occurred_before",
            "day",
            "day_from",
            "day_to",
        ]

    def by_action(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        value = value.strip()
        if value.endswith("."):
            return queryset.filter(action__startswith=value)
        if "." in value:
            return queryset.filter(Q(action=value) | Q(action__startswith=value + "."))
        # A word of the action, wherever it stands ("original" finds chat.original_viewed); a
        # bare prefix such as "hold" still finds every hold.* event.
        return queryset.filter(action__icontains=value)

    def by_target_id(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        value = value.strip()
        # Events about several targets store their ids as "13,193": 13 is one of them.
        return queryset.filter(
            Q(target_id=value)
            | Q(target_id__startswith=f"{value},")
            | Q(target_id__endswith=f",{value}")
            | Q(target_id__contains=f",{value},")
        )

    def by_day(
        self, queryset: QuerySet[AuditEvent], name: str, value: date
    ) -> QuerySet[AuditEvent]:
        start, end = ReportPeriod(first=value, last=value).bounds()
        return queryset.filter(occurred_at__gte=start, occurred_at__lt=end)

    def by_day_from(
        self, queryset: QuerySet[AuditEvent], name: str, value: date
    ) -> QuerySet[AuditEvent]:
        start, _ = ReportPeriod(first=value, last=value).bounds()
        return queryset.filter(occurred_at__gte=start)

    def by_day_to(
        self, queryset: QuerySet[AuditEvent], name: str, value: date
    ) -> QuerySet[AuditEvent]:
        _, end = ReportPeriod(first=value, last=value).bounds()
        return queryset.filter(occurred_at__lt=end)
