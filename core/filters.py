"""Shared django-filter pieces.

CountryFilter: a country by code or name ("CA", "Canada"), or "unknown"; anything else is a 400
naming it (issue #18), never a silent empty list.
FilterBackend: the API's filter backend; a list asked for with paging parameters alone skips
building its filter set.
UtcIsoDateTimeFilter: ISO-8601 moments are converted to UTC before they reach the database.
Python accepts UTC offsets up to ±23:59 but PostgreSQL only ±15:59, so a moment such as
`2025-01-01T00:00:00-16:19` used to become a DataError (HTTP 500) there; a moment that leaves
the representable range once converted (year 9999 at -16:00) is an invalid value (HTTP 400).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from core.forms import CountryField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None or timezone.is_naive(moment):
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class CountryFilter(django_filters.CharFilter):
    """Cleans to an ISO code or "unknown" (core.forms.CountryField); the filter set's method
    or lookup receives the cleaned value."""

    field_class = CountryField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_unknown", True)
        super().__init__(*args, **kwargs)


# Parameters no filter set reads: DRF's format override and the page's own (core.pagination).
_NOT_FILTERS = frozenset({"format"})


@cache
def _filters_all_optional(filterset_class: type[django_filters.FilterSet]) -> bool:
    return not any(f.extra.get("required") for f in filterset_class.base_filters.values())


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except for a request with no parameter but paging ones.

    A filter set given no value for any of its filters returns the queryset unchanged (every
    django-filter filter, method filters included, passes an empty value through), yet
    building it — a form class with deep copies of every filter's field, then validation —
    cost ~0.7 ms of every unfiltered list request (bench/api_cpu.py, audit events). Such a
    request now skips it. Any other parameter, known or not, takes the full path, so every
    refusal (an identity filter asked by support staff, an unknown country, a malformed date)
    is the filter set's as before; so does a filter set with a required filter."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _filters_all_optional(filterset_class):
            paginator = getattr(view, "paginator", None)
            paging = {
                getattr(paginator, "page_query_param", None),
                getattr(paginator, "page_size_query_param", None),
            }
            if set(request.query_params) <= (_NOT_FILTERS | paging) - {None}:
                return queryset
        return super().filter_queryset(request, queryset, view)
