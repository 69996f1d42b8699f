from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from records.rules import ChatSummary, declaration_rule_matches, period_add, schedule_resolve

AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class S:
    pk: int
    jurisdiction: str
    retention_years: int = 0
    retention_months: int = 0
    retention_days: int = 0
    effective_from: datetime | None = None
    effective_to: datetime | None = None


def test_region_beats_country_beats_default():
    schedules = [S(1, "*", 6), S(2, "CA", 7), S(3, "CA-QC", 2)]
    assert schedule_resolve(schedules, country="CA", region="CA-QC", at=AT).schedule.pk == 3
    assert schedule_resolve(schedules, country="CA", region="CA-ON", at=AT).schedule.pk == 2
    assert schedule_resolve(schedules, country="FR", region="", at=AT).schedule.pk == 1


def test_longest_retention_wins_within_a_level():
    schedules = [S(1, "US", 5), S(2, "US", 0, 61), S(3, "US", 5, 0, 1)]
    assert schedule_resolve(schedules, country="US", region="", at=AT).schedule.pk == 2


def test_unknown_country_resolves_to_nothing_even_with_a_default():
    resolution = schedule_resolve([S(1, "*", 6)], country="", region="", at=AT)
    assert resolution.schedule is None
    assert "unknown" in resolution.reason


def test_no_schedule_in_force_resolves_to_nothing():
    expired = S(1, "*", 6, effective_to=datetime(2025, 1, 1, tzinfo=UTC))
    future = S(2, "US", 1, effective_from=datetime(2027, 1, 1, tzinfo=UTC))
    assert schedule_resolve([expired, future], country="US", region="", at=AT).schedule is None


def test_period_add_handles_leap_days():
    assert period_add(datetime(2020, 2, 29, tzinfo=UTC), years=1, months=0, days=0) == datetime(
        2021, 2, 28, tzinfo=UTC
    )


@dataclass
class R:
    min_customer_messages: int | None = None
    max_customer_messages: int | None = None
    agent_participation: str = "any"
    sources: list[str] | None = None
    countries: list[str] | None = None
    keywords: list[str] | None = None
    tags: list[str] | None = None

    def __post_init__(self) -> None:
        for name in ("sources", "countries", "keywords", "tags"):
            if getattr(self, name) is None:
                setattr(self, name, [])


BASE_CHAT = ChatSummary(
    source="livechat",
    country="CA",
    customer_messages=2,
    agent_messages=1,
    tags=frozenset(),
    text="hello",
)


def _chat(**kw: Any) -> ChatSummary:
    return replace(BASE_CHAT, **kw)


def test_declaration_conditions():
    assert declaration_rule_matches(R(agent_participation="absent"), _chat(agent_messages=0))
    assert not declaration_rule_matches(R(agent_participation="absent"), _chat())
    assert declaration_rule_matches(R(max_customer_messages=0), _chat(customer_messages=0))
    assert declaration_rule_matches(R(keywords=["complaint"]), _chat(text="a formal complaint"))
    assert declaration_rule_matches(R(tags=["complaint"]), _chat(tags=frozenset({"complaint"})))
    assert not declaration_rule_matches(R(keywords=["complaint"]), _chat())
    assert not declaration_rule_matches(R(countries=["US"]), _chat())
    assert not declaration_rule_matches(R(sources=["zendesk"]), _chat())
    assert not declaration_rule_matches(R(min_customer_messages=3), _chat())
