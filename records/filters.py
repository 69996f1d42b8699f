import django_filters

from core.filters import UtcIsoDateTimeFilter
from records.models import CustomerEvent


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
