"""Issues within days (issue #17): a new problem is flagged by the daily emerging-issues API
within two days of its onset, and 30 quiet days before it raise no alarm."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from chats.models import Chat
from knowledgebase.selectors.emerging import trends_emerging_issues_daily
from knowledgebase.services.analysis import chats_analyse
from tests.factories import make_chat
from tests.knowledgebase.conftest import messages_for, redact

pytestmark = pytest.mark.usefixtures("taxonomy")
ONSET = date(2026, 5, 1)
QUIET_DAYS = 30
BACKGROUND = [
    (
        "I returned the blender two weeks ago and I still have no refund for it.",
        "I approved the refund; the money is back on your card in 5 days.",
    ),
    (
        "Where is my parcel? The tracking has not moved and the delivery is late.",
        "The carrier had a delay at the depot; your parcel arrives Thursday.",
    ),
    (
        "I cannot log in, it says my password is wrong and my account is locked.",
        "I unlocked your account and sent a password reset link.",
    ),
    (
        "My invoice shows a double charge for the premium plan this month.",
        "I reversed the duplicate charge on your invoice.",
    ),
]
NEW_ISSUE = (
    "My thermostat shows error E42 since the firmware update last night.",
    "The firmware update broke the thermostat sensor; a fix ships tomorrow.",
)


def _chat_on(day: date, hour: int, texts: tuple[str, str]) -> Chat:
    started = datetime(day.year, day.month, day.day, 8 + hour % 10, 0, tzinfo=UTC)
    customer, agent = texts
    return make_chat(
        started_at=started, messages=messages_for(started, customer, agent, "Thanks."), tags=[]
    )


@pytest.fixture
def surge(db: None) -> dict[str, list[Chat]]:
    rng = random.Random(1701)
    quiet, new = [], []
    for offset in range(QUIET_DAYS + 3):
        day = ONSET - timedelta(days=QUIET_DAYS) + timedelta(days=offset)
        for hour in range(rng.randint(2, 6)):
            quiet.append(_chat_on(day, hour, rng.choice(BACKGROUND)))
        if day >= ONSET:
            for hour in range(5 + (day - ONSET).days * 2):
                new.append(_chat_on(day, hour, NEW_ISSUE))
    for chat in quiet + new:
        redact(chat)
    chats_analyse(now=datetime(2026, 6, 1, tzinfo=UTC))
    return {"quiet": quiet, "new": new}


def test_no_false_alarm_on_any_of_the_quiet_days_before_the_onset(
    surge: dict[str, list[Chat]],
) -> None:
    for offset in range(1, QUIET_DAYS + 1):
        day = ONSET - timedelta(days=offset)
        assert trends_emerging_issues_daily(as_of=day) == [], day


def test_a_new_problem_is_flagged_within_two_days_of_its_onset_through_the_api(
    surge: dict[str, list[Chat]],
) -> None:
    client = APIClient()
    user = User.objects.create_user("agent-emerging")
    user.groups.add(Group.objects.get_or_create(name="support_staff")[0])
    client.force_authenticate(user)
    flagged_on = []
    for offset in range(2):
        day = ONSET + timedelta(days=offset)
        response = client.get(
            "/api/v1/trends/emerging/", {"as_of": day.isoformat(), "granularity": "day"}
        )
        assert response.status_code == 200
        if response.json()["results"]:
            flagged_on.append((day, response.json()["results"]))

    assert flagged_on, "the new problem was not flagged within two days"
    day, results = flagged_on[0]
    top = results[0]
    assert {"thermostat", "firmware", "firmware update", "error"} & set(top["keywords"])
    assert top["first_seen"] == ONSET.isoformat()
    assert set(top["example_chats"]) <= {chat.pk for chat in surge["new"]}
    assert top["count"] >= 4
    assert {"keyword", "keywords", "count", "baseline_mean", "first_seen", "example_chats"} <= set(
        top
    )


def test_one_surge_is_one_topic_not_one_result_per_word(surge: dict[str, list[Chat]]) -> None:
    issues = trends_emerging_issues_daily(as_of=ONSET + timedelta(days=1))

    assert len(issues) == 1


def test_an_unknown_granularity_is_a_400_naming_the_parameter(db: None) -> None:
    client = APIClient()
    user = User.objects.create_user("agent-granularity")
    user.groups.add(Group.objects.get_or_create(name="support_staff")[0])
    client.force_authenticate(user)

    response = client.get("/api/v1/trends/emerging/", {"granularity": "hour"})

    assert response.status_code == 400
    assert "granularity" in response.json()["message"]


def test_a_day_with_more_chats_than_usual_is_not_an_alarm(db: None) -> None:
    rng = random.Random(7)
    for offset in range(QUIET_DAYS + 1):
        day = ONSET - timedelta(days=QUIET_DAYS) + timedelta(days=offset)
        busy = day == ONSET
        for hour in range(12 if busy else 4):
            redact(_chat_on(day, hour, rng.choice(BACKGROUND)))
    chats_analyse(now=datetime(2026, 6, 1, tzinfo=UTC))

    assert trends_emerging_issues_daily(as_of=ONSET) == []
