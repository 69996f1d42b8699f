"""Issue #18: sortable tables take only their own columns; countries are typed as a code or a
name, and a name that is no country is refused naming it (never cut to two letters)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from core.countries import country_code_parse, country_label
from core.forms import CountryField, countries_parse
from core.sorting import SortColumn, TableSort

SORT = TableSort(
    columns=(SortColumn("started", ("started_at",)), SortColumn("country", ("country", "region"))),
    default="-started",
)


def test_a_column_sorts_both_ways_and_always_ends_with_the_primary_key() -> None:
    assert SORT.state(QueryDict("sort=country")).order_by == ("country", "region", "pk")
    assert SORT.state(QueryDict("sort=-country")).order_by == ("-country", "-region", "-pk")
    assert SORT.state(QueryDict("")).order_by == ("-started_at", "-pk")


@pytest.mark.parametrize(
    "hostile", ["customer__email", "-customer__email", "pk", "?", "", "--started", "x" * 5000]
)
def test_a_column_the_table_does_not_name_falls_back_to_the_default(hostile: str) -> None:
    assert SORT.state(QueryDict(f"sort={hostile}")).order_by == ("-started_at", "-pk")


def test_the_header_links_keep_the_filters_drop_the_page_and_say_the_direction() -> None:
    state = SORT.state(QueryDict("country=CA&page=3&sort=country"))
    sorted_here = state.header("country", "Country")
    assert sorted_here.aria_sort == "ascending"
    assert sorted_here.url == "?country=CA&sort=-country"  # the next click reverses it
    other = state.header("started", "Started")
    assert other.aria_sort == ""
    assert other.url == "?country=CA&sort=started"
    assert SORT.state(QueryDict("sort=-country")).header("country", "C").aria_sort == "descending"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("CA", "CA"),
        ("ca", "CA"),
        ("Canada", "CA"),
        ("  canada ", "CA"),
        ("United States", "US"),
        ("usa", "US"),
        ("France", "FR"),
    ],
)
def test_a_country_is_a_code_or_an_english_name(typed: str, code: str) -> None:
    assert country_code_parse(typed) == code


@pytest.mark.parametrize(
    "typed", ["Canadia", "C", "XX", "Can", "CA-ON", "ÇA", "x" * 300, "f%s%(x)s"]
)
def test_what_is_no_country_is_refused_naming_it(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a country") as error:
        country_code_parse(typed)
    assert typed.strip()[:20] in str(error.value)


def test_the_form_field_keeps_unknown_only_where_allowed() -> None:
    assert CountryField(allow_unknown=True).clean("Unknown") == "unknown"
    with pytest.raises(ValidationError):
        CountryField().clean("unknown")
    assert CountryField(required=False).clean("") == ""
    assert country_label("CA") == "Canada (CA)"


def test_a_list_of_countries_names_every_value_refused() -> None:
    assert countries_parse(["Canada", "us"]) == ["CA", "US"]
    with pytest.raises(ValidationError) as error:
        countries_parse(["Canada", "Narnia", "Atlantis"])
    text = " ".join(error.value.messages)
    assert "Narnia" in text
    assert "Atlantis" in text


@pytest.mark.parametrize("typed", ["100%", "%s", "%(value)s%", "f%25\x02À" * 30])
def test_a_percent_sign_in_what_was_typed_is_quoted_never_formatted(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        CountryField().clean(typed)
    (message,) = error.value.messages
    assert typed.strip()[:10] in message
    assert len(message) < 200
    with pytest.raises(ValidationError) as listed:
        countries_parse([typed])
    assert typed.strip()[:10] in listed.value.messages[0]
