"""Generated surge scenarios for the daily emerging issues (issue #17 item 3): quiet days of
background chats in varied numbers, then a new problem from `onset` on, growing day by day.
Shared by the tests and bench/search_emerging.py (which measures days to flag and false alarms)."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from chats.models import Chat
from tests.factories import make_chat
from tests.knowledgebase.conftest import messages_for, redact

BACKGROUND: list[tuple[str, str]] = [
    (
        "My card statement shows the yearly renewal charged twice.",
        "I refunded the second renewal charge to your card.",
    ),
    (
        "The courier left no parcel and tracking says delivered.",
        "I opened a claim with the courier; a new parcel ships today.",
    ),
    (
        "I am locked out, the login keeps rejecting my password.",
        "Your login is unlocked and a password reset link is in your inbox.",
    ),
    (
        "Please cancel my subscription before the next billing date.",
        "Your subscription is cancelled and no further billing will happen.",
    ),
    (
        "I sent the blender back and the refund has not come through.",
        "The refund for the blender is approved and on its way.",
    ),
]
NEW_PROBLEMS: list[tuple[str, str]] = [
    (
        "The dishwasher shows fault code F07 and drains nothing since the recall notice.",
        "Fault F07 is the drain pump from the recall; a technician replaces the pump.",
    ),
    (
        "My smart doorbell camera stays offline after the overnight firmware push.",
        "The doorbell firmware push broke the camera's wifi; a doorbell patch follows.",
    ),
    (
        "The loyalty points vanished from my wallet after the points migration.",
        "The points migration missed some wallets; your loyalty points are restored.",
    ),
]
CLOSINGS = ["Thanks.", "Ok, thank you.", "Great, thanks a lot.", "Fine."]


@dataclass
class Scenario:
    onset: date
    quiet_days: int
    quiet: list[Chat] = field(default_factory=list)
    new: list[Chat] = field(default_factory=list)


def _chat_on(day: date, slot: int, texts: tuple[str, str], rng: random.Random) -> Chat:
    started = datetime(day.year, day.month, day.day, 7 + slot % 12, rng.randint(0, 59), tzinfo=UTC)
    customer, agent = texts
    chat = make_chat(
        started_at=started,
        messages=messages_for(started, customer, agent, rng.choice(CLOSINGS)),
        tags=[],
    )
    return redact(chat)


def surge_scenario(
    *,
    seed: int,
    onset: date,
    quiet_days: int = 30,
    surge_days: int = 2,
    quiet_range: tuple[int, int] = (3, 8),
    surge_start: int = 4,
    surge_growth: int = 2,
    problem: int = 0,
) -> Scenario:
    """Chats on quiet_days days before `onset`, then surge_days days with the new problem:
    surge_start chats on the first day, surge_growth more each day after."""
    rng = random.Random(seed)
    scenario = Scenario(onset=onset, quiet_days=quiet_days)
    for offset in range(-quiet_days, surge_days):
        day = onset + timedelta(days=offset)
        for slot in range(rng.randint(*quiet_range)):
            scenario.quiet.append(_chat_on(day, slot, rng.choice(BACKGROUND), rng))
        if offset >= 0:
            for slot in range(surge_start + offset * surge_growth):
                scenario.new.append(_chat_on(day, slot + 3, NEW_PROBLEMS[problem], rng))
    return scenario
