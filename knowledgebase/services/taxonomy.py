"""The editable keyword → category taxonomy: seeding, edits, and re-applying it to chats.

Categories of a chat are computed from its stored keywords (never from its messages), so they can
be recomputed after a taxonomy edit even for chats that were disposed long ago.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from core.batching import chunks_process, ids_after
from core.db import any_of
from core.exceptions import ApplicationError
from knowledgebase.models import Category, ChatCategory, ChatInsight, ChatKeyword, TaxonomyTerm
from knowledgebase.services.search_index import chat_document_labels_update
from knowledgebase.taxonomy import (
    SEED_CATEGORIES,
    categories_for_keywords,
    keyword_normalise,
    taxonomy_version,
)

logger = logging.getLogger(__name__)
REAPPLY_CHUNK_SIZE = 500


@dataclass
class SeedSummary:
    categories_created: int = 0
    terms_created: int = 0


@transaction.atomic
def taxonomy_seed() -> SeedSummary:
    """Loads the customer-service categories. Idempotent; never overwrites staff edits (a term
    already mapped elsewhere, or a renamed category, is left as it is)."""
    summary = SeedSummary()
    for slug, (name, description, terms) in SEED_CATEGORIES.items():
        category, created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        summary.categories_created += int(created)
        existing = set(TaxonomyTerm.objects.filter(term__in=terms).values_list("term", flat=True))
        new = [TaxonomyTerm(term=term, category=category) for term in terms if term not in existing]
        TaxonomyTerm.objects.bulk_create(new, ignore_conflicts=True)
        summary.terms_created += len(new)
    return summary


def taxonomy_map() -> dict[str, str]:
    """{normalised term: category slug}."""
    return dict(TaxonomyTerm.objects.values_list("term", "category__slug"))


@transaction.atomic
def taxonomy_term_set(*, term: str, category: Category) -> TaxonomyTerm:
    normalised = keyword_normalise(term)
    if not normalised:
        raise ApplicationError("A taxonomy term needs at least one word", extra={"term": term})
    item, _ = TaxonomyTerm.objects.update_or_create(
        term=normalised, defaults={"category": category}
    )
    return item


@transaction.atomic
def taxonomy_term_delete(*, term: TaxonomyTerm) -> None:
    term.delete()


def chat_categories_replace(
    *, chat_id: int, keywords: list[tuple[str, float]], taxonomy: dict[str, str]
) -> list[str]:
    """Rewrites the chat's categories from its weighted keywords; returns their slugs."""
    return chats_categories_replace(keywords={chat_id: keywords}, taxonomy=taxonomy)[chat_id]


def chats_categories_replace(
    *, keywords: Mapping[int, list[tuple[str, float]]], taxonomy: dict[str, str]
) -> dict[int, list[str]]:
    """Rewrites the categories of every chat in `keywords` ({chat id: weighted keywords}) in
    three statements, whatever the number of chats; returns {chat id: category slugs}."""
    matches = {
        chat_id: categories_for_keywords(pairs, taxonomy) for chat_id, pairs in keywords.items()
    }
    slugs = sorted({m.slug for found in matches.values() for m in found})
    ids = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    ChatCategory.objects.filter(any_of("chat_id", list(keywords))).delete()
    ChatCategory.objects.bulk_create(
        [
            ChatCategory(chat_id=chat_id, category_id=ids[m.slug], via_term=m.via_term)
            for chat_id, found in matches.items()
            for m in found
            if m.slug in ids
        ]
    )
    return {chat_id: [m.slug for m in found if m.slug in ids] for chat_id, found in matches.items()}


def chat_weighted_keywords(chat_ids: list[int]) -> dict[int, list[tuple[str, float]]]:
    """Stored keywords per chat; a manual tag weighs as much as the chat's strongest keyword."""
    result: dict[int, list[tuple[str, float]]] = {chat_id: [] for chat_id in chat_ids}
    rows = ChatKeyword.objects.filter(chat_id__in=chat_ids).order_by("chat_id", "source", "rank")
    for chat_id, term, weight, source in rows.values_list("chat_id", "term", "weight", "source"):
        result[chat_id].append((term, weight if source == "auto" else -1.0))
    for chat_id, pairs in result.items():
        strongest = max((weight for _, weight in pairs), default=1.0) or 1.0
        result[chat_id] = [(term, strongest if weight < 0 else weight) for term, weight in pairs]
    return result


def chats_taxonomy_reapply(*, now: datetime, chunk_size: int = REAPPLY_CHUNK_SIZE) -> int:
    """Recomputes categories of chats analysed under an older taxonomy, chunk by chunk. Each
    chunk is one transaction and stamps the new version, so a re-run continues where it stopped."""
    taxonomy = taxonomy_map()
    version = taxonomy_version(taxonomy)
    # LIMIT without OFFSET: a re-applied chat is stamped with the version and leaves the set.
    outdated = ChatInsight.objects.exclude(taxonomy_version=version).select_for_update(
        skip_locked=True
    )

    def reapply(chat_ids: Sequence[int]) -> None:
        keywords = chat_weighted_keywords(list(chat_ids))
        for chat_id in chat_ids:
            slugs = chat_categories_replace(
                chat_id=chat_id, keywords=keywords[chat_id], taxonomy=taxonomy
            )
            chat_document_labels_update(
                chat_id=chat_id,
                keywords=[t for t, _ in keywords[chat_id]],
                categories=slugs,
                now=now,
            )
        ChatInsight.objects.filter(chat_id__in=list(chat_ids)).update(
            taxonomy_version=version, updated_at=now
        )

    run = chunks_process(
        claim=lambda after: ids_after(outdated, None, chunk_size, key="chat_id"),
        process=reapply,
        chunk_size=chunk_size,
        label="taxonomy reapply",
    )
    logger.info("taxonomy re-applied to %d chats", run.items)
    return run.items
