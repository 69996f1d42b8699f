"""Knowledge-base articles (R-KB-2). An article outlives the chats it was written from: its source
links keep the chat's identity even when the chat is disposed (see selectors.articles)."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from core.exceptions import ApplicationError
from knowledgebase.models import Article, ArticleSource, ArticleStatus, Category
from knowledgebase.services.search_index import article_document_sync
from knowledgebase.taxonomy import keyword_normalise

MAX_ARTICLE_KEYWORDS = 20


def _clean_keywords(keywords: Sequence[str]) -> list[str]:
    cleaned = [keyword_normalise(keyword) for keyword in keywords]
    return list(dict.fromkeys(keyword for keyword in cleaned if keyword))[:MAX_ARTICLE_KEYWORDS]


def _sources_add(*, article: Article, chats: Sequence[Chat]) -> None:
    now = timezone.now()
    ArticleSource.objects.bulk_create(
        [
            ArticleSource(
                article=article,
                chat=chat,
                chat_source=chat.source,
                chat_external_id=chat.external_id,
                linked_at=now,
            )
            for chat in chats
        ],
        ignore_conflicts=True,
    )


def _validate(question: str, solution: str, status: str) -> None:
    errors = {}
    if not question.strip():
        errors["question"] = ["The question is required."]
    if not solution.strip():
        errors["solution"] = ["The solution is required."]
    if status not in ArticleStatus.values:
        errors["status"] = [f"Status must be one of {', '.join(ArticleStatus.values)}."]
    if errors:
        raise ApplicationError("Invalid article", extra={"fields": errors})


@transaction.atomic
def article_create(
    *,
    question: str,
    solution: str,
    user: User,
    category: Category | None = None,
    keywords: Sequence[str] = (),
    status: str = ArticleStatus.DRAFT,
    source_chats: Sequence[Chat] = (),
) -> Article:
    _validate(question, solution, status)
    now = timezone.now()
    article = Article.objects.create(
        question=question.strip(),
        solution=solution.strip(),
        category=category,
        keywords=_clean_keywords(keywords),
        status=status,
        created_by=user,
        created_at=now,
        updated_at=now,
        published_at=now if status == ArticleStatus.PUBLISHED else None,
    )
    _sources_add(article=article, chats=source_chats)
    article_document_sync(article=article, now=now)
    audit_event_record(
        actor=user,
        action="kb.article_created",
        target=article,
        data={"status": status, "sources": len(source_chats)},
    )
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    user: User,
    question: str,
    solution: str,
    category: Category | None,
    keywords: Sequence[str],
    status: str,
    add_source_chats: Sequence[Chat] = (),
) -> Article:
    _validate(question, solution, status)
    now = timezone.now()
    was_published = article.status == ArticleStatus.PUBLISHED
    article.question, article.solution = question.strip(), solution.strip()
    article.category, article.keywords = category, _clean_keywords(keywords)
    article.status, article.updated_at = status, now
    if status == ArticleStatus.PUBLISHED and not was_published:
        article.published_at = now
    article.save()
    _sources_add(article=article, chats=add_source_chats)
    article_document_sync(article=article, now=now)
    if status == ArticleStatus.PUBLISHED and not was_published:
        audit_event_record(actor=user, action="kb.article_published", target=article)
    return article
