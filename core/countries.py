"""Countries as people type them (issue #18): a form's country box takes a two-letter ISO
3166-1 code ("CA", "ca") or an English name ("Canada", "united states"), and anything else
is refused with a message naming what was typed — never cut to its first two letters.

The names come from the phonenumbers package's English geocoding data (a dependency
already), through its public API, for every region it knows."""

from functools import cache

import phonenumbers
from phonenumbers import geocoder

# The refusal, with the value typed as a parameter: a "%" in what was typed must never be read
# as a format directive by whoever renders the error (forms, DRF); long input is cut.
NOT_A_COUNTRY = (
    "“%(value)s” is not a country: type its two-letter ISO code (CA) or its English name (Canada)"
)
SHOWN_CHARS = 40

# Names people use that differ from the geocoding data's.
ALIASES = {"usa": "US", "united states of america": "US", "uk": "GB", "great britain": "GB"}


@cache
def country_names() -> dict[str, str]:
    """{ISO code: English name} for every region phonenumbers knows, sorted by name."""
    names = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        name = geocoder.country_name_for_number(example, "en") if example else ""
        if len(region) == 2 and name:
            names[region] = name
    return dict(sorted(names.items(), key=lambda item: item[1]))


@cache
def _codes_by_name() -> dict[str, str]:
    return {name.casefold(): code for code, name in country_names().items()} | ALIASES


def country_code_parse(value: str) -> str:
    """The ISO code of `value` (a code or a name, any case); ValueError names `value`."""
    text = " ".join(value.split())
    if text.upper() in country_names():
        return text.upper()
    code = _codes_by_name().get(text.casefold())
    if code is None:
        raise ValueError(NOT_A_COUNTRY % {"value": country_shown(text)})
    return code


def country_shown(value: str) -> str:
    """What was typed, as an error message may quote it."""
    text = " ".join(value.split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def country_label(code: str) -> str:
    """ "Canada (CA)" for CA; the code alone when it is not a known country."""
    name = country_names().get(code.upper())
    return f"{name} ({code.upper()})" if name else code
