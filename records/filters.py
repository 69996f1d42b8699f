import django_filters
from django.db.models import QuerySet

from core.filters import UtcIsoDateTimeFilter
from records.models import CustomerEvent, Record, RecordStatus
from records.selectors import STATUS_REVIEW_DUE, records_filter


class RecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*RecordStatus.choices, (STATUS_REVIEW_DUE, "Due for review (a manager decides)")],
        method="by_status",
    )
    record_class = django_filters.CharFilter(method="by_class")
    country = django_filters.CharFilter(method="by_country", help_text="ISO code, or 'unknown'")
    due_before = UtcIsoDateTimeFilter(method="by_due")
    held = django_filters.BooleanFilter(method="by_held")

    class Meta:
        model = Record
        fields = ["status", "record_class", "country", "due_before", "held"]

    def by_status(self, queryset: QuerySet[Record], name: str, value: str) -> QuerySet[Record]:
        return records_filter(queryset, status=value)

    def by_class(self, queryset: QuerySet[Record], name: str, value: str) -> QuerySet[Record]:
        return records_filter(queryset, record_class=value)

    def by_country(self, queryset: QuerySet[Record], name: str, value: str) -> QuerySet[Record]:
        return records_filter(queryset, country=value)

    def by_due(self, queryset: QuerySet[Record], name: str, value) -> QuerySet[Record]:
        return records_filter(queryset, due_before=value)

    def by_held(
        self, queryset: QuerySet[Record], name: str, value: bool | None
    ) -> QuerySet[Record]:
        return records_filter(queryset, held=value)


class CustomerEventFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    event = django_filters.CharFilter(field_name="name")
    withdrawn = django_filters.BooleanFilter(
        field_name="withdrawn_at", lookup_expr="isnull", exclude=True
    )
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = CustomerEvent
        fields = ["customer", "event", "withdrawn", "occurred_after", "occurred_before"]
