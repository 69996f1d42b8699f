"""Shared django-filter pieces.

CountryFilter: a country by code or name ("CA", "Canada"), or "unknown"; anything else is a 400
naming it (issue #18), never a silent empty list.
UtcIsoDateTimeFilter: ISO-8601 moments are converted to UTC before they reach the database.
Python accepts UTC offsets up to ±23:59 but PostgreSQL only ±15:59, so a moment such as
`2025-01-01T00:00:00-16:19` used to become a DataError (HTTP 500) there; a moment that leaves
the representable range once converted (year 9999 at -16:00) is an invalid value (HTTP 400).
"""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

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
