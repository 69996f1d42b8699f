"""The cutoff rule (SPEC §4.2) on plain values: years end at midnight in the retention time zone,
the cutoff is the first 1 January / fiscal-year start strictly AFTER the trigger."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from records.apps import retention_settings_check
from records.rules import (
    cutoff_moment,
    disposition_due_compute,
    fiscal_year_start_parse,
    retention_steps,
    schedule_change_shortens,
)

TORONTO = ZoneInfo("America/Toronto")


def test_a_chat_at_23_40_local_on_31_december_belongs_to_that_year_west_of_utc():
    trigger = datetime(2020, 12, 31, 23, 40, tzinfo=TORONTO)
    assert trigger.astimezone(UTC).date().isoformat() == "2021-01-01"  # already next year in UTC
    cutoff = cutoff_moment(trigger, "calendar_year", zone=TORONTO)
    assert cutoff == datetime(2021, 1, 1, tzinfo=TORONTO)
    # Read in UTC, the same moment would belong to 2021 and be cut off a year later.
    assert cutoff_moment(trigger, "calendar_year", zone=UTC) == datetime(2022, 1, 1, tzinfo=UTC)


def test_a_trigger_exactly_at_midnight_on_1_january_is_cut_off_the_next_1_january():
    trigger = datetime(2021, 1, 1, 0, 0, tzinfo=TORONTO)
    assert cutoff_moment(trigger, "calendar_year", zone=TORONTO) == datetime(
        2022, 1, 1, tzinfo=TORONTO
    )
    one_second_before = datetime(2020, 12, 31, 23, 59, 59, tzinfo=TORONTO)
    assert cutoff_moment(one_second_before, "calendar_year", zone=TORONTO) == trigger


def test_cutoff_none_is_the_trigger_itself():
    trigger = datetime(2020, 3, 5, 10, tzinfo=UTC)
    assert cutoff_moment(trigger, "none", zone=TORONTO) == trigger


def test_leap_day_triggers():
    leap = datetime(2024, 2, 29, 12, tzinfo=UTC)
    due = disposition_due_compute(leap, action="destroy", years=1, months=0, days=0)
    assert due == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert cutoff_moment(leap, "calendar_year", zone=UTC) == datetime(2025, 1, 1, tzinfo=UTC)
    assert cutoff_moment(leap, "fiscal_year", zone=UTC, fiscal_start=(3, 1)) == datetime(
        2024, 3, 1, tzinfo=UTC
    )


def test_fiscal_year_starting_1_april_cuts_off_31_march_and_1_april_a_year_apart():
    fiscal = fiscal_year_start_parse("04-01")
    assert fiscal == (4, 1)
    march_31 = datetime(2021, 3, 31, 23, 40, tzinfo=TORONTO)
    april_1 = datetime(2021, 4, 1, 0, 0, tzinfo=TORONTO)
    assert cutoff_moment(march_31, "fiscal_year", zone=TORONTO, fiscal_start=fiscal) == april_1
    assert cutoff_moment(april_1, "fiscal_year", zone=TORONTO, fiscal_start=fiscal) == datetime(
        2022, 4, 1, tzinfo=TORONTO
    )


@pytest.mark.parametrize("value", ["4-1", "13-01", "02-29", "04-31", "", "04/01", "x"])
def test_a_malformed_fiscal_year_start_is_refused_naming_the_setting(value, settings):
    with pytest.raises(ValueError, match="FISCAL_YEAR_START"):
        fiscal_year_start_parse(value)
    settings.FISCAL_YEAR_START = value
    with pytest.raises(ImproperlyConfigured, match="FISCAL_YEAR_START"):
        retention_settings_check()


def test_an_unknown_retention_time_zone_stops_the_start_up(settings):
    settings.RETENTION_TIME_ZONE = "Mars/Olympus"
    with pytest.raises(ImproperlyConfigured, match="RETENTION_TIME_ZONE"):
        retention_settings_check()


def test_the_explanation_shows_each_step():
    trigger = datetime(2020, 3, 5, 15, tzinfo=UTC)
    cutoff = cutoff_moment(trigger, "calendar_year", zone=UTC)
    due = disposition_due_compute(cutoff, action="destroy", years=6, months=0, days=0)
    text = retention_steps(
        trigger="chat_ended",
        trigger_at=trigger,
        cutoff="calendar_year",
        cutoff_at=cutoff,
        years=6,
        months=0,
        days=0,
        due=due,
        zone=UTC,
    )
    assert text == "ended 2020-03-05 → cutoff 2021-01-01 → +6 years → 2027-01-01"
    plain = retention_steps(
        trigger="account_closed",
        trigger_at=trigger,
        cutoff="none",
        cutoff_at=trigger,
        years=1,
        months=6,
        days=0,
        due=datetime(2021, 9, 5, tzinfo=UTC),
        zone=UTC,
    )
    assert plain == "account_closed 2020-03-05 → +1 year 6 months → 2021-09-05"


BASE = {
    "retention_years": 6,
    "retention_months": 0,
    "retention_days": 0,
    "cutoff": "none",
    "pii_period_days": 365,
    "action": "destroy",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"retention_years": 5}, ["retention"]),
        ({"retention_years": 5, "retention_months": 12}, []),
        ({"retention_years": 7}, []),
        ({"cutoff": "calendar_year"}, []),
        ({"pii_period_days": 90}, ["pii_period_days"]),
        ({"pii_period_days": None}, []),
        ({"citation": "new basis"}, []),
        ({"retention_years": 5, "cutoff": "calendar_year"}, ["retention"]),
    ],
)
def test_which_changes_shorten(change, expected):
    assert schedule_change_shortens(BASE, {**BASE, **change}, zone=UTC) == expected


def test_a_cutoff_that_makes_a_date_earlier_shortens():
    calendar = {**BASE, "cutoff": "calendar_year"}
    assert schedule_change_shortens(calendar, {**calendar, "cutoff": "none"}, zone=UTC) == [
        "retention"
    ]
    fiscal = {**calendar, "cutoff": "fiscal_year"}
    # A fiscal year starting in April cuts some triggers off earlier than 1 January.
    assert schedule_change_shortens(calendar, fiscal, zone=UTC, fiscal_start=(4, 1)) == [
        "retention"
    ]


def test_ending_permanent_retention_or_adding_a_pii_period_shortens():
    keep = {**BASE, "action": "retain", "pii_period_days": None}
    assert schedule_change_shortens(keep, {**keep, "action": "destroy"}, zone=UTC) == ["action"]
    assert schedule_change_shortens(keep, {**keep, "pii_period_days": 30}, zone=UTC) == [
        "pii_period_days"
    ]
