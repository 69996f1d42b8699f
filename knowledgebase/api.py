"""Knowledge-base API (SPEC §4.1): search, articles, trends. All roles read; support staff and
records managers write articles; compliance auditors never write (403, nothing changes)."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from chats.models import Chat
from core.exceptions import ApplicationError
from core.http import acting_user
from core.pagination import StandardPagination
from core.permissions import IsAnyRoleReadOnly, IsRecordsManager, IsSupportStaff
from knowledgebase.models import (
    Article,
    ArticleStatus,
    Category,
    SearchChannel,
    Topic,
    TrendRollup,
)
from knowledgebase.selectors.articles import (
    article_sources_status,
    article_with_sources,
    articles_list,
)
from knowledgebase.selectors.emerging import trends_emerging_issues_daily
from knowledgebase.selectors.search import SearchFilters, kb_search
from knowledgebase.selectors.trends import trends_emerging_topics, trends_rollups, week_of
from knowledgebase.services.articles import article_create, article_update
from knowledgebase.services.usage import article_view_log, kb_search_log

SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE_SIZE = 100
# Deeper pages are refused: nobody reads them, and a huge page number overflows OFFSET.
SEARCH_MAX_PAGE = 10_000


def _writers_or_readers(request: Request) -> list[Any]:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return [IsAnyRoleReadOnly()]
    return [(IsSupportStaff | IsRecordsManager)()]


EMERGING_GRANULARITIES = ("day", "week")


def _date_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise ApplicationError(f"{name} must be a date (YYYY-MM-DD)", extra={name: raw}) from error


def _start_of(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def search_filters_from(params: Any) -> SearchFilters:
    """Shared by the API and the search page: query parameters → filters."""

    def text(name: str) -> str:
        value = (params.get(name) or "").strip()
        if "\x00" in value:  # PostgreSQL text cannot hold NUL: a 400, not a database error
            raise ApplicationError(f"{name} must not contain NUL characters")
        return value

    def parse(name: str) -> date | None:
        raw = text(name)
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError as error:
            raise ApplicationError(f"{name} must be a date (YYYY-MM-DD)") from error

    date_to = parse("date_to")
    topic = text("topic")
    if topic and not Topic.objects.filter(slug=topic).exists():
        raise ApplicationError("topic: no topic has this slug", extra={"topic": topic})
    text("q")  # the query text itself is the caller's, but it is checked here once for both
    return SearchFilters(
        category=text("category"),
        keyword=text("keyword"),
        country=text("country"),
        date_from=_start_of(parse("date_from")),
        # date_to is inclusive: everything before the next day's start
        date_to=_start_of(date.fromordinal(date_to.toordinal() + 1)) if date_to else None,
        record_class=text("record_class"),
        topic=topic,
        kind=(params.get("type") or "").strip()
        if params.get("type") in ("article", "chat")
        else "",
    )


class SearchHitSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    chat_external_id = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML: escaped text, <mark> around matches")
    score = serializers.FloatField()
    occurred_at = serializers.DateTimeField()
    country = serializers.CharField(allow_blank=True)


class SearchPageSerializer(serializers.Serializer):
    """The paginated envelope the search answers with (documents the schema)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchHitSerializer(many=True)


class _SearchPagination(PageNumberPagination):
    page_size = SEARCH_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = SEARCH_MAX_PAGE_SIZE


class KbSearchApi(APIView):
    """Ranked search over published articles and redacted chats, best first."""

    permission_classes = [IsAnyRoleReadOnly]
    serializer_class = SearchHitSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            *[
                OpenApiParameter(name, str)
                for name in ("category", "keyword", "country", "record_class", "type")
            ],
            OpenApiParameter("date_from", date),
            OpenApiParameter("date_to", date),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=SearchPageSerializer,
    )
    def get(self, request: Request) -> Response:
        paginator = _SearchPagination()
        page_size = paginator.get_page_size(request) or SEARCH_PAGE_SIZE
        try:
            page_number = max(1, int(request.query_params.get("page", "1")))
        except ValueError as error:
            raise ApplicationError("page must be a number") from error
        if page_number > SEARCH_MAX_PAGE:
            raise ApplicationError(f"page must be at most {SEARCH_MAX_PAGE}")
        result = kb_search(
            query=request.query_params.get("q", ""),
            filters=search_filters_from(request.query_params),
            limit=page_size,
            offset=(page_number - 1) * page_size,
        )
        if page_number == 1:
            kb_search_log(
                user=acting_user(request),
                query=request.query_params.get("q", ""),
                results=result.count,
                channel=SearchChannel.API,
            )
        url = request.build_absolute_uri()
        has_next = page_number * page_size < result.count
        return Response(
            {
                "count": result.count,
                "next": replace_query_param(url, "page", page_number + 1) if has_next else None,
                "previous": (
                    replace_query_param(url, "page", page_number - 1) if page_number > 1 else None
                ),
                "results": SearchHitSerializer(result.hits, many=True).data,
            }
        )


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), allow_null=True, required=False
    )
    keywords = serializers.ListField(child=serializers.CharField(max_length=128), required=False)
    source_chats = serializers.PrimaryKeyRelatedField(
        queryset=Chat.objects.all(), many=True, write_only=True, required=False
    )
    sources = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "question",
            "solution",
            "category",
            "keywords",
            "status",
            "created_at",
            "updated_at",
            "published_at",
            "source_chats",
            "sources",
        ]
        read_only_fields = ["created_at", "updated_at", "published_at"]

    def get_sources(self, article: Article) -> list[dict[str, Any]]:
        if not hasattr(article, "_prefetched_objects_cache") or "sources" not in getattr(
            article, "_prefetched_objects_cache", {}
        ):
            return []
        return [
            {
                "chat": status.chat_id,
                "label": status.label,
                "available": status.available,
                "disposed_at": status.disposed_at,
                "note": status.note,
            }
            for status in article_sources_status(article)
        ]


class ArticleListCreateApi(generics.ListAPIView):
    serializer_class = ArticleSerializer
    pagination_class = StandardPagination

    def get_permissions(self) -> list[Any]:
        return _writers_or_readers(self.request)

    def get_queryset(self) -> QuerySet[Article]:
        params = self.request.query_params
        status_filter = params.get("status", "")
        return article_with_sources(
            articles_list(
                status=status_filter if status_filter in ArticleStatus.values else "",
                category=params.get("category", ""),
                query=params.get("q", ""),
            )
        )

    def post(self, request: Request) -> Response:
        serializer = ArticleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        article = article_create(
            question=data["question"],
            solution=data["solution"],
            user=acting_user(request),
            category=data.get("category"),
            keywords=data.get("keywords", []),
            status=data.get("status", ArticleStatus.DRAFT),
            source_chats=data.get("source_chats", []),
        )
        article = article_with_sources(Article.objects.filter(pk=article.pk)).get()
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


class ArticleDetailApi(generics.GenericAPIView):
    serializer_class = ArticleSerializer

    def get_permissions(self) -> list[Any]:
        return _writers_or_readers(self.request)

    def get_queryset(self) -> QuerySet[Article]:
        return article_with_sources(Article.objects.all())

    def get(self, request: Request, pk: int) -> Response:
        article = get_object_or_404(self.get_queryset(), pk=pk)
        article_view_log(article=article, user=acting_user(request))
        return Response(ArticleSerializer(article).data)

    def put(self, request: Request, pk: int) -> Response:
        article = get_object_or_404(Article.objects.all(), pk=pk)
        serializer = ArticleSerializer(article, data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        article_update(
            article=article,
            user=acting_user(request),
            question=data["question"],
            solution=data["solution"],
            category=data.get("category"),
            keywords=data.get("keywords", []),
            status=data.get("status", article.status),
            add_source_chats=data.get("source_chats", []),
        )
        return Response(ArticleSerializer(self.get_queryset().get(pk=pk)).data)


class TrendRollupSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrendRollup
        fields = [
            "week_start",
            "dimension",
            "value",
            "chat_count",
            "sentiment_avg",
            "sentiment_count",
            "satisfaction_avg",
            "satisfaction_count",
        ]


class TrendListApi(generics.ListAPIView):
    """Weekly rollups per keyword/category/country (no PII). All roles read."""

    permission_classes = [IsAnyRoleReadOnly]
    serializer_class = TrendRollupSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("dimension", str),
            OpenApiParameter("value", str),
            OpenApiParameter("week_from", date),
            OpenApiParameter("week_to", date),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[TrendRollup]:
        params = self.request.query_params
        return trends_rollups(
            dimension=params.get("dimension", ""),
            value=params.get("value", ""),
            week_from=_date_param(self.request, "week_from"),
            week_to=_date_param(self.request, "week_to"),
        )


class EmergingTopicSerializer(serializers.Serializer):
    keyword = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    baseline_mean = serializers.FloatField()
    baseline_stdev = serializers.FloatField()
    first_seen = serializers.DateField()
    example_chats = serializers.ListField(child=serializers.IntegerField())
    topic = serializers.CharField(default="", help_text="the learned topic's name, if any")


class EmergingTopicsPageSerializer(serializers.Serializer):
    granularity = serializers.ChoiceField(choices=EMERGING_GRANULARITIES)
    week_start = serializers.DateField(required=False)
    day = serializers.DateField(required=False)
    results = EmergingTopicSerializer(many=True)


class EmergingTopicsApi(APIView):
    """Topics well above their baseline as of `as_of` (default today): `granularity=day`, the
    trailing 24 hours against the days before; `week` (default), the week against the weeks
    before."""

    permission_classes = [IsAnyRoleReadOnly]
    serializer_class = EmergingTopicSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", date),
            OpenApiParameter("granularity", str, enum=list(EMERGING_GRANULARITIES)),
        ],
        responses=EmergingTopicsPageSerializer,
    )
    def get(self, request: Request) -> Response:
        as_of = _date_param(request, "as_of")
        granularity = request.query_params.get("granularity", "week").strip() or "week"
        if granularity not in EMERGING_GRANULARITIES:
            raise ApplicationError(
                "granularity must be day or week", extra={"granularity": granularity[:20]}
            )
        if granularity == "day":
            day = as_of or timezone.localdate()
            issues = trends_emerging_issues_daily(as_of=day)
            return Response(
                {
                    "granularity": "day",
                    "day": day,
                    "results": EmergingTopicSerializer(issues, many=True).data,
                }
            )
        now = _start_of(as_of) if as_of else timezone.now()
        assert now is not None  # noqa: S101 - both branches give a moment
        topics = trends_emerging_topics(now=now)
        return Response(
            {
                "granularity": "week",
                "week_start": week_of(now),
                "results": EmergingTopicSerializer(topics, many=True).data,
            }
        )
