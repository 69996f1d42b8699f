"""Form fields shared by the apps' pages."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.countries import NOT_A_COUNTRY, country_code_parse, country_shown

UNKNOWN_COUNTRY = "unknown"


class CountryField(forms.CharField):
    """A country typed as a code or a name (core.countries), cleaned to its ISO code; with
    `allow_unknown`, the word "unknown" is kept as is (a filter for chats of no country)."""

    def __init__(self, *args: Any, allow_unknown: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        either = "code or name, e.g. CA or Canada"
        kwargs.setdefault("help_text", either + (", or unknown" if allow_unknown else ""))
        super().__init__(*args, **kwargs)
        self.allow_unknown = allow_unknown

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        if self.allow_unknown and text.strip().lower() == UNKNOWN_COUNTRY:
            return UNKNOWN_COUNTRY
        try:
            return country_code_parse(text)
        except ValueError as error:
            raise ValidationError(
                NOT_A_COUNTRY, code="invalid", params={"value": country_shown(text)}
            ) from error


def countries_parse(values: list[str]) -> list[str]:
    """Each of `values` as an ISO code; one ValidationError naming every value refused."""
    codes, refused = [], []
    for value in values:
        try:
            codes.append(country_code_parse(value))
        except ValueError:
            refused.append(
                ValidationError(
                    NOT_A_COUNTRY, code="invalid", params={"value": country_shown(value)}
                )
            )
    if refused:
        raise ValidationError(refused)
    return codes
