from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GOVERNANCE_WRITE
from qa.filters import QAReviewFilter
from qa.models import QAReview
from qa.selectors import qa_metrics, qa_reviews_list
from qa.services import qa_review_confirm, qa_review_correct
from records.models import RecordClass


class QAReviewSerializer(serializers.ModelSerializer):
    chat = serializers.IntegerField(source="record.chat_id")
    chat_external_id = serializers.CharField(source="record.chat.external_id")
    record_status = serializers.CharField(source="record.status")
    record_class = serializers.CharField(source="record.record_class.code")
    country = serializers.CharField(source="record.chat.country")
    region = serializers.CharField(source="record.chat.region")
    country_source = serializers.CharField(source="record.chat.country_source")
    country_confidence = serializers.FloatField(source="record.chat.country_confidence")
    disposition_due = serializers.DateTimeField(source="record.disposition_due")
    reviewer = serializers.SerializerMethodField()

    class Meta:
        model = QAReview
        fields = [
            "id",
            "record",
            "chat",
            "chat_external_id",
            "record_status",
            "record_class",
            "reason",
            "status",
            "queued_at",
            "country",
            "region",
            "country_source",
            "country_confidence",
            "disposition_due",
            "original_country",
            "original_region",
            "original_source",
            "original_confidence",
            "reviewer",
            "reviewed_at",
            "corrected_country",
            "corrected_region",
            "corrected_record_class",
            "notes",
        ]

    def get_reviewer(self, review: QAReview) -> str | None:
        return review.reviewer.get_username() if review.reviewer else None


class QAReviewListApi(generics.ListAPIView):
    """The QA queue and its results; filter by status, reason, country, source."""

    permission_classes = GOVERNANCE_READ
    serializer_class = QAReviewSerializer
    filterset_class = QAReviewFilter

    def get_queryset(self) -> QuerySet[QAReview]:
        return qa_reviews_list()


class QAReviewDetailApi(generics.RetrieveAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = QAReviewSerializer

    def get_queryset(self) -> QuerySet[QAReview]:
        return qa_reviews_list()


class QAReviewConfirmApi(APIView):
    """The country is right: it becomes QA-verified."""

    permission_classes = GOVERNANCE_WRITE

    class QAReviewConfirmInput(serializers.Serializer):
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=QAReviewConfirmInput, responses={200: QAReviewSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.QAReviewConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = get_object_or_404(QAReview, pk=pk)
        qa_review_confirm(
            review=review,
            reviewed_by=acting_user(request),
            notes=data.validated_data["notes"],
        )
        return Response(QAReviewSerializer(qa_reviews_list().get(pk=pk)).data)


class QAReviewCorrectApi(APIView):
    """Sets country/region (and optionally the record class); retention is recomputed."""

    permission_classes = GOVERNANCE_WRITE

    class QAReviewCorrectInput(serializers.Serializer):
        country = serializers.CharField(max_length=2)
        region = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
        record_class = serializers.SlugRelatedField(
            slug_field="code", queryset=RecordClass.objects.all(), required=False, allow_null=True
        )
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=QAReviewCorrectInput, responses={200: QAReviewSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.QAReviewCorrectInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = get_object_or_404(QAReview, pk=pk)
        qa_review_correct(
            review=review,
            reviewed_by=acting_user(request),
            country=data.validated_data["country"],
            region=data.validated_data["region"],
            record_class=data.validated_data.get("record_class"),
            notes=data.validated_data["notes"],
        )
        return Response(QAReviewSerializer(qa_reviews_list().get(pk=pk)).data)


class QAMetricsApi(APIView):
    """Error rate per country source and the backlog's size and age (R-QA-2)."""

    permission_classes = GOVERNANCE_READ

    @extend_schema(
        responses=inline_serializer(
            "QAMetrics", {"by_source": serializers.ListField(), "backlog": serializers.DictField()}
        )
    )
    def get(self, request: Request) -> Response:
        metrics: dict[str, Any] = qa_metrics(now=timezone.now())
        return Response(metrics)
