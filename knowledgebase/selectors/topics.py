"""Reading topics: the list with recent chat counts, and the topic of an emerging issue."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from knowledgebase.models import BoilerplateTerm, CannedLine, ChatTopic, Topic


@dataclass(frozen=True)
class TopicRow:
    topic: Topic
    recent_chats: int


def topics_with_recent_counts(*, start: datetime, end: datetime) -> list[TopicRow]:
    """Every topic, with how many of its chats started in [start, end); biggest first."""
    recent = dict(
        ChatTopic.objects.filter(chat__started_at__gte=start, chat__started_at__lt=end)
        .values("topic")
        .annotate(n=Count("chat"))
        .values_list("topic", "n")
    )
    rows = [TopicRow(topic, recent.get(topic.pk, 0)) for topic in Topic.objects.all()]
    rows.sort(key=lambda row: (-row.recent_chats, -row.topic.chat_count, row.topic.name))
    return rows


def topic_of_terms(terms: Iterable[str]) -> Topic | None:
    """The topic holding the first of `terms` that belongs to one (an issue's leading term,
    then its related terms)."""
    wanted = list(terms)
    by_term: dict[str, Topic] = {}
    for topic in Topic.objects.all():
        for term in topic.terms:
            by_term.setdefault(term, topic)
    return next((by_term[term] for term in wanted if term in by_term), None)


def boilerplate_learned() -> dict[str, object]:
    return {
        "terms": list(BoilerplateTerm.objects.order_by("-chat_share", "term")[:60]),
        "canned_lines": list(CannedLine.objects.all()[:20]),
    }
