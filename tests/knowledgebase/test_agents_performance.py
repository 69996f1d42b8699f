"""agents_performance (R-CHAT-4) at a fixed set of chats: chats of the window only, every
figure exact, agents without a chat in the window left out, busiest first (issue #19 pins it
before the period's chats are read through an index)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from knowledgebase.selectors.agents import AgentPerformance, agents_performance
from knowledgebase.services.analysis import chats_analyse
from tests.factories import make_chat
from tests.knowledgebase.conftest import NOW, redact

pytestmark = pytest.mark.usefixtures("taxonomy")
START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 3, 15, tzinfo=UTC)


def _chat(agent: str, started: datetime, *, reply_after: int, survey: Any) -> None:
    chat = make_chat(
        started_at=started,
        agents=[{"external_id": agent, "name": agent.title(), "team": "billing"}],
        messages=[
            {"sender": "customer", "sent_at": started.isoformat(), "text": "my card was charged"},
            {
                "sender": "agent",
                "agent_external_id": agent,
                "sent_at": (started + timedelta(seconds=reply_after)).isoformat(),
                "text": "I have refunded the duplicate charge.",
            },
        ],
        survey=survey,
    )
    redact(chat)


def test_figures_of_the_window_only_busiest_first() -> None:
    rated = {"rating": 5, "resolved": True, "comment": "", "answers": {}}
    _chat("priya", START, reply_after=60, survey=rated)
    _chat("priya", START + timedelta(days=3), reply_after=120, survey=None)
    _chat("priya", END, reply_after=600, survey=rated)  # the end is outside
    _chat("omar", END - timedelta(seconds=1), reply_after=30, survey=rated)
    _chat("omar", START - timedelta(seconds=1), reply_after=900, survey=None)  # before
    _chat("lena", START - timedelta(days=40), reply_after=10, survey=rated)  # never in it
    chats_analyse(now=NOW)

    rows = agents_performance(start=START, end=END)

    assert [row.name for row in rows] == ["Priya", "Omar"]
    priya, omar = rows
    assert priya == AgentPerformance(
        agent_id=priya.agent_id,
        name="Priya",
        team="billing",
        chats_handled=2,
        first_response_seconds=90.0,
        handle_seconds=1080.0,
        satisfaction=pytest.approx(62.45),  # type: ignore[arg-type]
        surveys=1,
    )
    assert priya.survey_response_rate == 0.5
    assert omar == AgentPerformance(
        agent_id=omar.agent_id,
        name="Omar",
        team="billing",
        chats_handled=1,
        first_response_seconds=30.0,
        handle_seconds=1080.0,
        satisfaction=pytest.approx(85.0),  # type: ignore[arg-type]
        surveys=1,
    )
    assert omar.survey_response_rate == 1.0
