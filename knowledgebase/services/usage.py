"""Recording how the knowledge base is used: searches, article views, "Was this helpful?" votes.

Queries and comments are redacted before they are stored (redaction.free_text): the usage
report shows them to managers and auditors, and staff do type customers' names into a search
box. A search is counted once, on its first page; paging through results is not a new search.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from knowledgebase.models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    ArticleView,
    KbSearchLog,
    SearchChannel,
)
from redaction.free_text import free_text_redact

QUERY_MAX_CHARS = 500
COMMENT_MAX_CHARS = 2000


def kb_search_log(*, user: User | None, query: str, results: int, channel: SearchChannel) -> None:
    query = " ".join(query.split())
    if not query:
        return
    KbSearchLog.objects.create(
        searched_at=timezone.now(),
        user=user,
        query=free_text_redact(query[:QUERY_MAX_CHARS])[:QUERY_MAX_CHARS],
        results=results,
        channel=channel,
    )


def article_view_log(*, article: Article, user: User | None) -> None:
    ArticleView.objects.create(article=article, user=user, viewed_at=timezone.now())


@transaction.atomic
def article_feedback_record(
    *, article: Article, user: User, helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """Records the user's vote on a published article; a second vote replaces the first (a
    replayed request changes nothing more)."""
    if article.status != ArticleStatus.PUBLISHED:
        raise ApplicationError(
            "Only a published article takes feedback", extra={"article": article.pk}
        )
    if len(comment) > COMMENT_MAX_CHARS:
        raise ApplicationError(
            f"comment is longer than {COMMENT_MAX_CHARS} characters", extra={"field": "comment"}
        )
    now = timezone.now()
    feedback, created = ArticleFeedback.objects.select_for_update().get_or_create(
        article=article,
        user=user,
        defaults={
            "helpful": helpful,
            "comment": free_text_redact(comment.strip()),
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        feedback.helpful, feedback.comment = helpful, free_text_redact(comment.strip())
        feedback.updated_at = now
        feedback.save(update_fields=["helpful", "comment", "updated_at"])
    return feedback
