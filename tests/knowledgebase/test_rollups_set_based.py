"""rollup_trends, set-based (issue #19): the same rows as the per-week Python tally it replaced.

The reference is the previous algorithm: per week, every insight's chat counted once in "all",
in its country ("unknown" when blank), in each of its categories and each of its keywords (an
automatic and a manual keyword of the same term count once), averages rounded as fmean."""

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from statistics import fmean

import pytest
from django.contrib.auth.models import User

from chats.models import Chat
from knowledgebase.models import ChatCategory, ChatInsight, ChatKeyword, TrendRollup
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.tags import chat_tag_add
from knowledgebase.services.trends import trends_rollup
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")
MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def _reference() -> set[tuple[object, ...]]:
    chats: dict[tuple[date, str, str], set[int]] = defaultdict(set)
    facts: dict[int, tuple[date, float | None, float | None]] = {}
    for chat_id, week, country, sentiment, satisfaction in ChatInsight.objects.values_list(
        "chat_id", "week_start", "country", "sentiment", "satisfaction"
    ):
        facts[chat_id] = (week, sentiment, satisfaction)
        chats[(week, "all", "all")].add(chat_id)
        chats[(week, "country", country or "unknown")].add(chat_id)
    for chat_id, slug in ChatCategory.objects.values_list("chat_id", "category__slug"):
        chats[(facts[chat_id][0], "category", slug)].add(chat_id)
    for chat_id, term in ChatKeyword.objects.values_list("chat_id", "term"):
        chats[(facts[chat_id][0], "keyword", term)].add(chat_id)
    rows: set[tuple[object, ...]] = set()
    for (week, dimension, value), members in chats.items():
        sentiments = [s for c in members if (s := facts[c][1]) is not None]
        satisfactions = [s for c in members if (s := facts[c][2]) is not None]
        rows.add(
            (
                week,
                dimension,
                value,
                len(members),
                round(fmean(sentiments), 4) if sentiments else None,
                len(sentiments),
                round(fmean(satisfactions), 2) if satisfactions else None,
                len(satisfactions),
            )
        )
    return rows


def _written() -> set[tuple[object, ...]]:
    return set(
        TrendRollup.objects.values_list(
            "week_start",
            "dimension",
            "value",
            "chat_count",
            "sentiment_avg",
            "sentiment_count",
            "satisfaction_avg",
            "satisfaction_count",
        )
    )


def test_rollups_match_the_per_week_tally(
    topic_chat: Callable[..., Chat], support_user: User
) -> None:
    chats = [
        topic_chat("refund", started_at=MONDAY),
        topic_chat("refund", started_at=MONDAY + timedelta(days=2), country="", region=""),
        topic_chat("shipping", started_at=MONDAY + timedelta(days=3), country="US", region=""),
        topic_chat("password", started_at=MONDAY + timedelta(weeks=1)),
        topic_chat("shipping", started_at=MONDAY + timedelta(weeks=5), country="FR", region=""),
    ]
    chats_analyse(now=NOW)
    auto = ChatKeyword.objects.filter(chat=chats[0]).values_list("term", flat=True).first()
    assert auto
    chat_tag_add(chat=chats[0], tag=auto, user=support_user)  # the same term, twice
    expected = _reference()
    summary = trends_rollup(now=NOW, chunk_size=2)
    assert summary.weeks == 3
    assert _written() == expected
    assert summary.rows == len(expected)
    # Re-running is a no-op; a run over the same data from scratch writes the same rows.
    assert trends_rollup(now=NOW).weeks == 0
    ChatInsight.objects.update(rolled_up_at=None)
    trends_rollup(now=NOW, chunk_size=1)
    assert _written() == expected
