"""Chat-level insights: the chat extras (sentiment, satisfaction, keywords) and the chat page's
"why this score" card. All values come from this app's own tables, so they are still there after
the chat's messages were disposed of."""

from typing import Any

from core.db.any_of import any_of
from core.db.prepared import IdsQuery
from knowledgebase.models import ChatCategory, ChatInsight, ChatKeyword, KeywordSource

# Asked for every page of chats: compiled once per database (core.db.prepared).
_INSIGHTS = IdsQuery(
    lambda chat_ids: ChatInsight.objects.filter(any_of("chat_id", chat_ids)).values_list(
        "chat_id", "sentiment", "satisfaction"
    )
)
_KEYWORDS = IdsQuery(
    lambda chat_ids: (
        ChatKeyword.objects.filter(any_of("chat_id", chat_ids))
        .order_by("chat_id", "-source", "rank")
        .values_list("chat_id", "term")
    )
)


def chats_sentiment_and_satisfaction(
    chat_ids: list[int],
) -> tuple[dict[int, Any], dict[int, Any]]:
    """({chat id: sentiment}, {chat id: satisfaction}) of the chats that have an insight, in
    one query (each chat's insight row holds both)."""
    sentiment: dict[int, Any] = {}
    satisfaction: dict[int, Any] = {}
    for chat_id, chat_sentiment, chat_satisfaction in _INSIGHTS.rows(chat_ids):
        sentiment[chat_id] = chat_sentiment
        satisfaction[chat_id] = chat_satisfaction
    return sentiment, satisfaction


def chats_keywords(chat_ids: list[int]) -> dict[int, Any]:
    """Manual tags first, then extracted keywords by rank; each term once."""
    result: dict[int, list[str]] = {}
    for chat_id, term in _KEYWORDS.rows(chat_ids):
        terms = result.setdefault(chat_id, [])
        if term not in terms:
            terms.append(term)
    return result


def chat_insight_view(*, chat_id: int) -> dict[str, Any]:
    """Everything the chat page shows about a chat's insights, in three queries."""
    insight = ChatInsight.objects.filter(chat_id=chat_id).first()
    keywords = list(
        ChatKeyword.objects.filter(chat_id=chat_id)
        .order_by("-source", "rank")
        .values("term", "source", "weight")
    )
    categories = list(
        ChatCategory.objects.filter(chat_id=chat_id)
        .select_related("category")
        .order_by("pk")
        .values("category__slug", "category__name", "via_term")
    )
    return {
        "insight": insight,
        "auto_keywords": [k for k in keywords if k["source"] == KeywordSource.AUTO],
        "manual_tags": [k["term"] for k in keywords if k["source"] == KeywordSource.MANUAL],
        "categories": categories,
        "explanation": insight.satisfaction_explanation if insight else {},
    }
