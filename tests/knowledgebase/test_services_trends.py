from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import User

from chats.models import Chat, Message, Survey
from core.jobs import job_run
from knowledgebase.models import TrendRollup
from knowledgebase.selectors.trends import trends_emerging_topics
from knowledgebase.services import trends
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.trends import trends_rollup
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")
WEEK1 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday
WEEK2 = WEEK1 + timedelta(weeks=1)


def _rollups() -> list[tuple[object, ...]]:
    return list(
        TrendRollup.objects.order_by("week_start", "dimension", "value").values_list(
            "week_start", "dimension", "value", "chat_count", "sentiment_avg", "satisfaction_avg"
        )
    )


def _count(week: datetime, dimension: str, value: str) -> int | None:
    row = TrendRollup.objects.filter(
        week_start=week.date(), dimension=dimension, value=value
    ).first()
    return row.chat_count if row else None


@pytest.fixture
def held_out(topic_chat: Callable[..., Chat]) -> list[Chat]:
    chats = [
        topic_chat("refund", started_at=WEEK1),
        topic_chat("refund", started_at=WEEK1 + timedelta(days=2)),
        topic_chat("shipping", started_at=WEEK1 + timedelta(days=3), country="US", region=""),
        topic_chat("refund", started_at=WEEK2),
        topic_chat("password", started_at=WEEK2 + timedelta(days=1)),
    ]
    chats_analyse(now=NOW)
    return chats


def test_weekly_topic_counts(held_out: list[Chat]) -> None:
    result = job_run(name="rollup_trends", now=NOW)

    assert result.counts["weeks"] == 2
    assert _count(WEEK1, "category", "refunds") == 2
    assert _count(WEEK1, "category", "shipping") == 1
    assert _count(WEEK2, "category", "refunds") == 1
    assert _count(WEEK2, "category", "account-access") == 1
    assert _count(WEEK1, "keyword", "refund") == 2
    assert _count(WEEK1, "country", "CA") == 2
    assert _count(WEEK1, "country", "US") == 1
    assert _count(WEEK1, "all", "all") == 3
    assert _count(WEEK2, "all", "all") == 2


def test_rollups_unchanged_after_chats_are_disposed(held_out: list[Chat]) -> None:
    trends_rollup(now=NOW)
    before = _rollups()

    # Disposal destroys the transcript and the survey comment; the chat row stays.
    Message.objects.filter(chat__in=held_out).delete()
    Survey.objects.filter(chat__in=held_out).delete()
    chats_analyse(now=NOW)
    trends_rollup(now=NOW)

    assert _rollups() == before


def test_rollup_is_idempotent(held_out: list[Chat]) -> None:
    trends_rollup(now=NOW)
    before = _rollups()

    again = trends_rollup(now=NOW)

    assert again.weeks == 0
    assert _rollups() == before


def test_rollup_in_chunks_of_two_weeks(topic_chat: Callable[..., Chat]) -> None:
    for week in range(5):
        topic_chat("refund", started_at=WEEK1 + timedelta(weeks=week))
    chats_analyse(now=NOW)

    summary = trends_rollup(now=NOW, chunk_size=2)

    assert summary.weeks == 5
    assert TrendRollup.objects.filter(dimension="all").count() == 5


def test_interrupted_rollup_keeps_whole_weeks_and_rerun_finishes(
    held_out: list[Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = trends._weeks_rows_insert
    calls = {"n": 0}

    def failing(weeks: list[date], now: datetime) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(weeks, now)

    monkeypatch.setattr(trends, "_weeks_rows_insert", failing)
    with pytest.raises(RuntimeError):
        trends_rollup(now=NOW, chunk_size=1)
    assert set(TrendRollup.objects.values_list("week_start", flat=True)) == {WEEK1.date()}
    monkeypatch.setattr(trends, "_weeks_rows_insert", real)

    summary = trends_rollup(now=NOW, chunk_size=1)

    assert summary.weeks == 1
    assert _count(WEEK2, "all", "all") == 2


def test_manual_tag_rolls_its_week_up_again(held_out: list[Chat], support_user: User) -> None:
    from knowledgebase.services.tags import chat_tag_add

    trends_rollup(now=NOW)
    chat_tag_add(chat=held_out[0], tag="warranty", user=support_user)

    summary = trends_rollup(now=NOW)

    assert summary.weeks == 1
    assert _count(WEEK1, "keyword", "warranty") == 1


def test_emerging_topic_is_a_keyword_well_above_its_baseline(
    topic_chat: Callable[..., Chat],
) -> None:
    now = datetime(2025, 5, 7, 12, 0, tzinfo=UTC)
    current_week = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)
    for weeks_back in (3, 6):
        topic_chat("shipping", started_at=current_week - timedelta(weeks=weeks_back))
    for _ in range(4):
        topic_chat("password", started_at=current_week)
    topic_chat("shipping", started_at=current_week)
    chats_analyse(now=now)
    trends_rollup(now=now)

    emerging = {topic.keyword: topic for topic in trends_emerging_topics(now=now)}

    assert "password" in emerging
    assert emerging["password"].count == 4
    assert "parcel" not in emerging  # one chat this week, as before
