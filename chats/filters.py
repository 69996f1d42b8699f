"""The one filter set of chats: the API, the chat list page, its CSV export and export_chats."""

from typing import Any

import django_filters
from django import forms

from chats.models import Chat
from core.filters import CountryFilter, UtcIsoDateTimeFilter
from core.roles import user_may_search_by_identity

# Filters that look a customer up by identity: an answer, even a count of zero, tells whoever
# asks whether that person chatted with us. Support staff may not ask (R-ROLE-1).
IDENTITY_FILTERS = ("customer_email",)
IDENTITY_REFUSED = (
    "Support staff may not search chats by customer identity; open the customer's chat "
    "history by its customer id instead"
)


class ChatFilterForm(forms.Form):
    refuse_identity = True  # fail closed: a filter set without a permitted user refuses

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.refuse_identity:
            for name in IDENTITY_FILTERS:
                if self.data.get(name):
                    self.add_error(name, IDENTITY_REFUSED)
        return cleaned


class ChatFilter(django_filters.FilterSet):
    source = django_filters.CharFilter()
    external_id = django_filters.CharFilter()
    country = CountryFilter(method="filter_country")
    started_after = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    customer_email = django_filters.CharFilter(field_name="customer__email", lookup_expr="iexact")
    # A customer's chat history by our own customer id: no identity needed to ask.
    customer = django_filters.NumberFilter(field_name="customer_id")

    class Meta:
        model = Chat
        form = ChatFilterForm
        fields = [
            "source",
            "external_id",
            "country",
            "started_after",
            "started_before",
            "customer_email",
            "customer",
        ]

    def __init__(self, *args: Any, identity_allowed: bool = False, **kwargs: Any) -> None:
        """`identity_allowed`: the caller is trusted to look customers up by identity without a
        request (export_chats, run by an operator); otherwise the request's user decides."""
        super().__init__(*args, **kwargs)
        self.identity_allowed = identity_allowed

    @property
    def form(self) -> ChatFilterForm:
        form = super().form
        user = getattr(self.request, "user", None)
        form.refuse_identity = not self.identity_allowed and (
            user is None or not user_may_search_by_identity(user)
        )
        return form

    def filter_country(self, queryset, name, value):
        # "unknown": the chats whose country could not be told (stored as "").
        return queryset.filter(country="" if value == "unknown" else value.upper())
