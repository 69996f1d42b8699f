"""Disposal batches (propose, approve, reject, exclude) and their certificates."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GOVERNANCE_WRITE
from core.serializers import FastRepresentationMixin
from records.models import Record
from retention.models import DisposalBatch, DisposalCertificate
from retention.review_selectors import (
    batch_stages_view,
    disposal_batch_for_review,
    disposal_batches_with_stage,
)
from retention.selectors import (
    disposal_batch_item_counts,
    disposal_batch_items,
    disposal_batches_list,
    disposal_certificates_list,
)
from retention.services.disposal.proposal import (
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_item_exclude,
    disposal_items_exclude,
)

# --- disposal batches -----------------------------------------------------------------------


class DisposalBatchSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    record_class = serializers.CharField(source="record_class.code")
    proposed_by = serializers.CharField(
        source="proposed_by.username", default=None, allow_null=True
    )
    rejected_by = serializers.CharField(
        source="rejected_by.username", default=None, allow_null=True
    )
    item_count = serializers.IntegerField()
    approval_count = serializers.IntegerField()
    stage = serializers.SerializerMethodField()

    def get_stage(self, batch: DisposalBatch) -> dict[str, Any] | None:
        """The stage under review, `{"position", "name"}` (null without stages or when none);
        the list annotates it (disposal_batches_with_stage), the detail replaces it."""
        position = getattr(batch, "stage_position", None)
        if position is None:
            return None
        return {"position": position, "name": getattr(batch, "stage_name", "")}

    class Meta:
        model = DisposalBatch
        fields = [
            "id",
            "record_class",
            "jurisdiction",
            "action",
            "state",
            "stage",
            "proposed_at",
            "proposed_by",
            "required_approvals",
            "approval_count",
            "approved_at",
            "rejected_at",
            "rejected_by",
            "rejection_reason",
            "execution_started_at",
            "completed_at",
            "execution_error",
            "item_count",
        ]


def _batch_detail(batch: DisposalBatch) -> dict[str, Any]:
    """`stage`: the stage under review (null without stages or once all are decided);
    `stages`: every stage with its reviewers and decision (empty for a single-step batch)."""
    data = dict(DisposalBatchSerializer(batch).data)
    data["stage"], data["stages"] = batch_stages_view(batch)
    data["approvals"] = [
        {
            "approver": a.approver.get_username(),
            "approved_at": a.approved_at,
            "stage": a.stage.position if a.stage else None,
        }
        for a in batch.approvals.all()
    ]
    data["counts"] = disposal_batch_item_counts(batch)
    data["items"] = [
        {
            "record": item.record_id,
            "chat": item.record.chat_id,
            "chat_external_id": item.record.chat.external_id,
            "status": item.status,
            "reason": item.reason,
            "review_at": item.review_at,
            "processed_at": item.processed_at,
        }
        for item in disposal_batch_items(batch)
    ]
    return data


class DisposalBatchListApi(generics.ListAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = DisposalBatchSerializer
    filterset_fields = ["state", "jurisdiction"]

    def get_queryset(self) -> QuerySet[DisposalBatch]:
        return disposal_batches_with_stage()


class DisposalBatchDetailApi(APIView):
    """A batch with its approvals and items (record, chat_external_id, status)."""

    permission_classes = GOVERNANCE_READ

    @extend_schema(responses=DisposalBatchSerializer)
    def get(self, request: Request, pk: int) -> Response:
        get_object_or_404(disposal_batches_list(), pk=pk)
        return Response(_batch_detail(disposal_batch_for_review(pk)))


class DisposalBatchApproveApi(APIView):
    """Approves the batch, or a staged batch's stage under review. Optional `{"stage": n}`:
    the stage the reviewer means; a replay of one's own approval of it changes nothing."""

    permission_classes = GOVERNANCE_WRITE

    class InputSerializer(serializers.Serializer):
        stage = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(request=InputSerializer, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = get_object_or_404(DisposalBatch, pk=pk)
        disposal_batch_approve(
            batch=batch, approver=acting_user(request), stage=data.validated_data.get("stage")
        )
        return Response(_batch_detail(disposal_batch_for_review(pk)))


class DisposalBatchRejectApi(APIView):
    permission_classes = GOVERNANCE_WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = get_object_or_404(DisposalBatch, pk=pk)
        disposal_batch_reject(
            batch=batch,
            rejected_by=acting_user(request),
            reason=data.validated_data["reason"],
        )
        return Response(_batch_detail(disposal_batch_for_review(pk)))


class DisposalBatchExcludeApi(APIView):
    permission_classes = GOVERNANCE_WRITE

    """`{"record", "reason", "review_at"}` excludes one record; `{"records": [...], "reason",
    "review_at"}` several at once, all or nothing (a staged batch: sends them back)."""

    class InputSerializer(serializers.Serializer):
        record = serializers.IntegerField(required=False)
        records = serializers.ListField(
            child=serializers.IntegerField(), required=False, allow_empty=False, max_length=1000
        )
        reason = serializers.CharField()
        review_at = serializers.DateTimeField()

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("record" in attrs) == ("records" in attrs):
                raise serializers.ValidationError(
                    {"records": "Give either `record` or `records` (a list of record ids)"}
                )
            return attrs

    @extend_schema(request=InputSerializer, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = get_object_or_404(DisposalBatch, pk=pk)
        if "records" in data.validated_data:
            disposal_items_exclude(
                batch=batch,
                record_ids=data.validated_data["records"],
                excluded_by=acting_user(request),
                reason=data.validated_data["reason"],
                review_at=data.validated_data["review_at"],
            )
            return Response(_batch_detail(disposal_batch_for_review(pk)))
        get_object_or_404(Record, pk=data.validated_data["record"])
        disposal_item_exclude(
            batch=batch,
            record_id=data.validated_data["record"],
            excluded_by=acting_user(request),
            reason=data.validated_data["reason"],
            review_at=data.validated_data["review_at"],
        )
        return Response(_batch_detail(disposal_batch_for_review(pk)))


# --- certificates ---------------------------------------------------------------------------


class CertificateHTMLRenderer(TemplateHTMLRenderer):
    """`?format=html`: the printable certificate page."""

    format = "html"
    template_name = "retention/certificate_print.html"


class DisposalCertificateSerializer(serializers.ModelSerializer):
    counts = serializers.JSONField(source="payload.counts")
    record_class = serializers.CharField(source="batch.record_class.code")
    jurisdiction = serializers.CharField(source="batch.jurisdiction")

    class Meta:
        model = DisposalCertificate
        fields = [
            "id",
            "sequence",
            "batch",
            "record_class",
            "jurisdiction",
            "issued_at",
            "as_of",
            "counts",
            "previous_hash",
            "hash",
        ]


class DisposalCertificateListApi(generics.ListAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = DisposalCertificateSerializer

    def get_queryset(self) -> QuerySet[DisposalCertificate]:
        return disposal_certificates_list()


class DisposalCertificateDetailApi(APIView):
    permission_classes = GOVERNANCE_READ
    renderer_classes = [JSONRenderer, CertificateHTMLRenderer]

    @extend_schema(responses=DisposalCertificateSerializer)
    def get(self, request: Request, pk: int) -> Response:
        certificate = get_object_or_404(disposal_certificates_list(), pk=pk)
        data = {**DisposalCertificateSerializer(certificate).data, "payload": certificate.payload}
        if request.accepted_renderer.format == "html":
            return Response({"certificate": certificate, "payload": certificate.payload})
        return Response(data)
