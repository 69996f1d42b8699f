"""{% chat_insights chat %}: the knowledge-base card of the chat page (sentiment, satisfaction
with "why this score", keywords, categories, manual tags, "suggest an article"), and
`{% chat_topic_names chat_ids as topics %}`: the learned topic of each chat of a list page."""

from typing import Any

from django import template

from chats.models import Chat
from core.roles import Role, user_has_role
from knowledgebase.models_topics import ChatTopic
from knowledgebase.selectors.insights import chat_insight_view
from knowledgebase.sentiment import (
    COMMENT_COUNTS_AS,
    WEIGHT_RATING,
    WEIGHT_RESOLVED,
    WEIGHT_SENTIMENT,
)

register = template.Library()


@register.inclusion_tag("knowledgebase/_chat_insights.html", takes_context=True)
def chat_insights(context: dict[str, Any], chat: Chat) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    may_write = user is not None and user_has_role(user, Role.SUPPORT_STAFF, Role.RECORDS_MANAGER)
    return {
        **chat_insight_view(chat_id=chat.pk),
        "chat": chat,
        "may_write": may_write,
        "csrf_token": context.get("csrf_token"),
        "weights": {
            "rating": WEIGHT_RATING,
            "sentiment": WEIGHT_SENTIMENT,
            "resolved": WEIGHT_RESOLVED,
            "comment": COMMENT_COUNTS_AS,
        },
    }


@register.simple_tag
def chat_topic_names(chat_ids: list[int]) -> dict[int, str]:
    """{chat id: the name of its learned topic} for a page of chats, in one query."""
    return dict(
        ChatTopic.objects.filter(chat_id__in=list(chat_ids)).values_list("chat_id", "topic__name")
    )
