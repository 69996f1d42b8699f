"""The knowledge-base usage report of a period (SPEC §4.1 `GET /api/v1/kb/usage/`): searches,
searches with no result and their queries, top queries, article views, the helpful rate and
active searchers per week. A handful of grouped queries, whatever the period's size."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from core.reports import ReportPeriod
from knowledgebase.models import ArticleFeedback, ArticleView, KbSearchLog

TOP_QUERIES = 20
USAGE_DEFAULT_DAYS = 30


def usage_period_default(*, last: date) -> ReportPeriod:
    """The period a usage report covers when none is given: the 30 days ending on `last`."""
    return ReportPeriod(first=last - timedelta(days=USAGE_DEFAULT_DAYS - 1), last=last)


def _between(queryset: QuerySet[Any], field: str, period: ReportPeriod) -> QuerySet[Any]:
    start, end = period.bounds()
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})


def _query_counts(searches: QuerySet[KbSearchLog]) -> list[dict[str, Any]]:
    rows = (
        searches.values("query")
        .annotate(count=Count("pk"))
        .order_by("-count", "query")[:TOP_QUERIES]
    )
    return [{"query": row["query"], "count": row["count"]} for row in rows]


def kb_usage(*, period: ReportPeriod) -> dict[str, Any]:
    searches = _between(KbSearchLog.objects.all(), "searched_at", period)
    views = _between(ArticleView.objects.all(), "viewed_at", period)
    votes = _between(ArticleFeedback.objects.all(), "updated_at", period).aggregate(
        helpful=Count("pk", filter=Q(helpful=True)), total=Count("pk")
    )
    weeks = (
        searches.annotate(week=TruncWeek("searched_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("week")
        .annotate(searchers=Count("user", distinct=True), searches=Count("pk"))
        .order_by("week")
    )
    article_views = (
        views.values("article_id", "article__question")
        .annotate(views=Count("pk"))
        .order_by("-views", "article_id")[:TOP_QUERIES]
    )
    without_results = searches.filter(results=0)
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "searches": searches.count(),
        "searches_without_results": without_results.count(),
        "queries_without_results": _query_counts(without_results),
        "top_queries": _query_counts(searches),
        "article_views": views.count(),
        "top_articles": [
            {
                "article": row["article_id"],
                "question": row["article__question"],
                "views": row["views"],
            }
            for row in article_views
        ],
        "helpful_votes": votes["helpful"],
        "feedback_votes": votes["total"],
        "helpful_rate": round(votes["helpful"] / votes["total"], 3) if votes["total"] else None,
        "active_searchers_per_week": [
            {
                "week": row["week"].date().isoformat(),
                "searchers": row["searchers"],
                "searches": row["searches"],
            }
            for row in weeks
        ],
    }
