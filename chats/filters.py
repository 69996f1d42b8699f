import django_filters

from chats.models import Chat
from core.filters import UtcIsoDateTimeFilter


class ChatFilter(django_filters.FilterSet):
    source = django_filters.CharFilter()
    external_id = django_filters.CharFilter()
    country = django_filters.CharFilter(method="filter_country")
    started_after = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    customer_email = django_filters.CharFilter(field_name="customer__email", lookup_expr="iexact")

    class Meta:
        model = Chat
        fields = [
            "source",
            "external_id",
            "country",
            "started_after",
            "started_before",
            "customer_email",
        ]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())
