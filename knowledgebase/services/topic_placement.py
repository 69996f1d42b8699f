"""Placing chats in topics: one chat as it is analysed, or every analysed chat after topics are
learned again (services/topics.py). A chat belongs to the topic its keywords weigh most in."""

from collections.abc import Mapping, Sequence

from django.db.models import Count

from core.batching import chunks_process, ids_after
from core.db import any_of
from knowledgebase.models import ChatInsight, ChatTopic, Topic
from knowledgebase.services.taxonomy import chat_weighted_keywords
from knowledgebase.topics import chat_topic_pick

ASSIGN_CHUNK_SIZE = 1000


def term_topic_map() -> dict[str, int]:
    """{term: topic id}; a term in two topics (an edited one kept) goes to the bigger."""
    mapping: dict[str, int] = {}
    for topic_id, terms in Topic.objects.order_by("chat_count", "pk").values_list("pk", "terms"):
        for term in terms:
            mapping[term] = topic_id
    return mapping


def chat_topic_place(
    *, chat_id: int, keywords: list[tuple[str, float]], term_topic: dict[str, int]
) -> None:
    """Places one freshly analysed chat (inside the analysis transaction)."""
    chats_topic_place(keywords={chat_id: keywords}, term_topic=term_topic)


def chats_topic_place(
    *, keywords: Mapping[int, list[tuple[str, float]]], term_topic: dict[str, int]
) -> None:
    """Places freshly analysed chats ({chat id: weighted keywords}) inside the analysis
    transaction, in two statements whatever their number: a chat whose keywords name no topic
    leaves its topic, the others are placed (an existing placement is updated in place)."""
    placed = []
    unplaced = []
    for chat_id, pairs in keywords.items():
        pick = chat_topic_pick(pairs, term_topic)
        if pick is None:
            unplaced.append(chat_id)
        else:
            placed.append(ChatTopic(chat_id=chat_id, topic_id=pick[0], score=pick[1]))
    ChatTopic.objects.filter(any_of("chat_id", unplaced)).delete()
    ChatTopic.objects.bulk_create(
        placed, update_conflicts=True, unique_fields=["chat"], update_fields=["topic", "score"]
    )


def topic_chat_counts_refresh() -> None:
    counts = dict(
        ChatTopic.objects.values("topic").annotate(n=Count("chat")).values_list("topic", "n")
    )
    for topic_id, current in Topic.objects.values_list("pk", "chat_count"):
        if current != counts.get(topic_id, 0):
            Topic.objects.filter(pk=topic_id).update(chat_count=counts.get(topic_id, 0))


def chats_topics_assign(*, chunk_size: int = ASSIGN_CHUNK_SIZE) -> int:
    """Places every analysed chat in its topic (or none), one transaction per chunk; returns
    the chats placed."""
    term_topic = term_topic_map()
    placed = 0

    def assign(chat_ids: Sequence[int]) -> None:
        nonlocal placed
        keywords = chat_weighted_keywords(list(chat_ids))
        rows = []
        for chat_id in chat_ids:
            pick = chat_topic_pick(keywords[chat_id], term_topic)
            if pick is not None:
                rows.append(ChatTopic(chat_id=chat_id, topic_id=pick[0], score=pick[1]))
        ChatTopic.objects.filter(chat_id__in=chat_ids).delete()
        ChatTopic.objects.bulk_create(rows)
        placed += len(rows)

    chunks_process(
        claim=lambda after: ids_after(ChatInsight.objects.all(), after, chunk_size, key="chat_id"),
        process=assign,
        chunk_size=chunk_size,
        label="learn_topics",
    )
    topic_chat_counts_refresh()
    return placed
