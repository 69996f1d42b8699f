"""Learning topics and placing chats in them (the `learn_topics` job), and renaming a topic.

`topics_learn`: boilerplate first (services/boilerplate.py), then clusters of the recent chats'
keywords (knowledgebase/topics.py). A new cluster keeps the identity, slug and name of the
existing topic it overlaps most (Jaccard ≥ MATCH_JACCARD), so links and edited names survive a
re-learn; an edited name is never replaced; unmatched topics nobody renamed are removed.
`chats_topics_assign` then places every analysed chat, one transaction per chunk (resumable by
key cursor), and counts each topic's chats. New chats are placed when analysed.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.text import slugify

from core.exceptions import ApplicationError
from core.history import history_note
from knowledgebase.models import ChatInsight, ChatKeyword, KeywordSource, Topic
from knowledgebase.services.boilerplate import BoilerplateSummary, boilerplate_learn
from knowledgebase.services.topic_placement import chats_topics_assign
from knowledgebase.topics import (
    MATCH_JACCARD,
    TOPIC_TERMS_PER_CHAT,
    jaccard,
    topic_clusters,
    topic_default_name,
)

logger = logging.getLogger(__name__)
TOPIC_SAMPLE_CHATS = 5000


@dataclass
class TopicsSummary:
    boilerplate: BoilerplateSummary
    topics: int = 0
    created: int = 0
    removed: int = 0
    chats_placed: int = 0


def _unique_slug(base: str, taken: set[str]) -> str:
    slug = (slugify(base) or "topic")[:56]
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _recent_chat_terms(limit: int) -> list[list[str]]:
    chat_ids = list(
        ChatInsight.objects.order_by("-chat__started_at", "-chat_id").values_list(
            "chat_id", flat=True
        )[:limit]
    )
    terms: dict[int, list[str]] = defaultdict(list)
    for chat_id, term in (
        ChatKeyword.objects.filter(
            chat_id__in=chat_ids, source=KeywordSource.AUTO, rank__lte=TOPIC_TERMS_PER_CHAT
        )
        .order_by("chat_id", "rank")
        .values_list("chat_id", "term")
    ):
        terms[chat_id].append(term)
    return list(terms.values())


def topics_learn(*, now: datetime, sample_size: int = TOPIC_SAMPLE_CHATS) -> TopicsSummary:
    summary = TopicsSummary(boilerplate=boilerplate_learn(now=now))
    clusters = topic_clusters(_recent_chat_terms(sample_size))
    with transaction.atomic():
        existing = list(Topic.objects.select_for_update().order_by("pk"))
        taken = {topic.slug for topic in existing}
        kept: set[int] = set()
        for terms in clusters:
            match = max(
                (t for t in existing if t.pk not in kept),
                key=lambda t: (jaccard(t.terms, terms), -t.pk),
                default=None,
            )
            if match is not None and jaccard(match.terms, terms) >= MATCH_JACCARD:
                match.terms = terms
                if not match.name_edited:
                    match.name = topic_default_name(terms)
                match.updated_at = now
                match.save(update_fields=["terms", "name", "updated_at"])
                kept.add(match.pk)
                continue
            topic = Topic.objects.create(
                slug=_unique_slug(terms[0], taken),
                name=topic_default_name(terms),
                terms=terms,
                created_at=now,
                updated_at=now,
            )
            kept.add(topic.pk)
            summary.created += 1
        stale = [t.pk for t in existing if t.pk not in kept and not t.name_edited]
        summary.removed, _ = Topic.objects.filter(pk__in=stale).delete()
    summary.chats_placed = chats_topics_assign()
    summary.topics = Topic.objects.count()
    return summary


@transaction.atomic
def topic_rename(*, topic: Topic, name: object, user: object, now: datetime) -> Topic:
    """Renames a topic (records managers and support staff); learning never overwrites it."""
    cleaned = " ".join(name.split()) if isinstance(name, str) else ""
    if not cleaned or len(cleaned) > 128:
        raise ApplicationError("A topic's name is 1 to 128 characters.", extra={"field": "name"})
    previous = topic.name
    topic.name = cleaned
    topic.name_edited = True
    topic.updated_at = now
    history_note(topic, user=user, reason=f"renamed from {previous!r}")
    topic.save(update_fields=["name", "name_edited", "updated_at"])
    return topic
