"""The record filter of the records list (API and page): it filters by hold and review state,
which retention knows."""

import django_filters
from django.db.models import QuerySet

from core.filters import CountryFilter, UtcIsoDateTimeFilter
from records.models import Record, RecordStatus
from retention.record_selectors import STATUS_REVIEW_DUE, records_filter


class RecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*RecordStatus.choices, (STATUS_REVIEW_DUE, "Due for review (a manager decides)")],
        method="by_status",
    )
    record_class = django_filters.CharFilter(method="by_class")
    country = CountryFilter(method="by_country", help_text="ISO code or name, or 'unknown'")
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
