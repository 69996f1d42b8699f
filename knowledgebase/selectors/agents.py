"""Agent performance per period (R-CHAT-4): chats handled, first-response and handle times,
average satisfaction and survey response rate, from stored insights (they survive disposal)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q

from chats.models import Agent


@dataclass(frozen=True)
class AgentPerformance:
    agent_id: int
    name: str
    team: str
    chats_handled: int
    first_response_seconds: float | None
    handle_seconds: float | None
    satisfaction: float | None
    surveys: int

    @property
    def survey_response_rate(self) -> float | None:
        return self.surveys / self.chats_handled if self.chats_handled else None


def agents_performance(*, start: datetime, end: datetime) -> list[AgentPerformance]:
    """Agents who took part in chats started in [start, end), busiest first. One query."""
    in_period = Q(chats__started_at__gte=start, chats__started_at__lt=end)
    rows = (
        # The period also goes into WHERE: only the period's chats are joined and aggregated
        # (the started_at index), instead of every chat each agent ever handled.
        Agent.objects.filter(in_period)
        .annotate(
            chats_handled=Count("chats", filter=in_period, distinct=True),
            first_response=Avg("chats__insight__first_response_seconds", filter=in_period),
            handle=Avg("chats__insight__handle_seconds", filter=in_period),
            satisfaction=Avg("chats__insight__satisfaction", filter=in_period),
            surveys=Count(
                "chats", filter=in_period & Q(chats__insight__has_survey=True), distinct=True
            ),
        )
        .filter(chats_handled__gt=0)
        .order_by("-chats_handled", "name", "pk")
        .values(
            "pk",
            "name",
            "team",
            "chats_handled",
            "first_response",
            "handle",
            "satisfaction",
            "surveys",
        )
    )
    return [
        AgentPerformance(
            agent_id=row["pk"],
            name=row["name"],
            team=row["team"],
            chats_handled=row["chats_handled"],
            first_response_seconds=row["first_response"],
            handle_seconds=row["handle"],
            satisfaction=row["satisfaction"],
            surveys=row["surveys"],
        )
        for row in rows
    ]
