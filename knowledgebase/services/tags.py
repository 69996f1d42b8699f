"""Manual keyword tags by staff (R-KB-1). Extraction never overwrites them."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from chats.models import Chat
from core.exceptions import ApplicationError
from knowledgebase.models import ChatInsight, ChatKeyword, KeywordSource
from knowledgebase.services.search_index import chat_document_labels_update
from knowledgebase.services.taxonomy import (
    chat_categories_replace,
    chat_weighted_keywords,
    taxonomy_map,
)
from knowledgebase.taxonomy import keyword_normalise

MAX_TAG_LENGTH = 64


def _relabel(chat: Chat) -> None:
    now = timezone.now()
    weighted = chat_weighted_keywords([chat.pk])[chat.pk]
    slugs = chat_categories_replace(chat_id=chat.pk, keywords=weighted, taxonomy=taxonomy_map())
    chat_document_labels_update(
        chat_id=chat.pk, keywords=[term for term, _ in weighted], categories=slugs, now=now
    )
    # The chat's week is rolled up again by the next rollup_trends run.
    ChatInsight.objects.filter(chat=chat).update(updated_at=now)


@transaction.atomic
def chat_tag_add(*, chat: Chat, tag: str, user: User) -> ChatKeyword:
    term = keyword_normalise(tag)
    if not term or len(term) > MAX_TAG_LENGTH:
        raise ApplicationError(f"A tag needs 1 to {MAX_TAG_LENGTH} characters", extra={"tag": tag})
    keyword, _ = ChatKeyword.objects.get_or_create(
        chat=chat,
        term=term,
        source=KeywordSource.MANUAL,
        defaults={"added_by": user, "added_at": timezone.now(), "weight": 0.0, "rank": 0},
    )
    _relabel(chat)
    return keyword


@transaction.atomic
def chat_tag_remove(*, chat: Chat, tag: str) -> int:
    deleted, _ = ChatKeyword.objects.filter(
        chat=chat, term=keyword_normalise(tag), source=KeywordSource.MANUAL
    ).delete()
    if deleted:
        _relabel(chat)
    return deleted
