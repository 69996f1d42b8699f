"""`POST /api/v1/kb/articles/{id}/feedback/` and `GET /api/v1/kb/usage/` (SPEC §4.1)."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.http import acting_user
from core.permissions import GOVERNANCE_READ, IsAnyRole
from core.reports import ReportPeriod
from knowledgebase.models import Article
from knowledgebase.selectors.usage import kb_usage, usage_period_default
from knowledgebase.services.usage import COMMENT_MAX_CHARS, article_feedback_record


class FeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS, default=""
    )


class ArticleFeedbackApi(APIView):
    """ "Was this helpful?": one vote per user and article; voting again replaces it."""

    permission_classes = [IsAnyRole]
    serializer_class = FeedbackSerializer

    @extend_schema(request=FeedbackSerializer, responses=FeedbackSerializer)
    def post(self, request: Request, pk: int) -> Response:
        article = get_object_or_404(Article.objects.all(), pk=pk)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = article_feedback_record(
            article=article,
            user=acting_user(request),
            helpful=data.validated_data["helpful"],
            comment=data.validated_data["comment"],
        )
        return Response(
            {"article": article.pk, "helpful": feedback.helpful, "comment": feedback.comment},
            status=status.HTTP_201_CREATED,
        )


def _date_param(request: Request, name: str, default: date) -> date:
    value = request.query_params.get(name, "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ApplicationError(
            f"{name} must be a date (YYYY-MM-DD)", extra={"field": name, "value": value}
        ) from error


class KbUsageApi(APIView):
    """Searches, searches with no result and their (redacted) queries, top queries, article
    views, the helpful rate and active searchers per week, for a period (default 30 days)."""

    permission_classes = GOVERNANCE_READ

    @extend_schema(
        parameters=[OpenApiParameter("from", date), OpenApiParameter("to", date)],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        last = _date_param(request, "to", timezone.localdate())
        first = _date_param(request, "from", usage_period_default(last=last).first)
        if first > last:
            raise ApplicationError(
                "from is after to", extra={"from": first.isoformat(), "to": last.isoformat()}
            )
        return Response(kb_usage(period=ReportPeriod(first=first, last=last)))
