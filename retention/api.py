from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.permissions import IsReadOnlyAuditor, IsRecordsManager
from records.models import Record, RecordClass
from retention.models import DisposalBatch, DisposalCertificate, LegalHold, RetentionSchedule
from retention.selectors import (
    disposal_batch_item_counts,
    disposal_batch_items,
    disposal_batches_list,
    disposal_certificates_list,
    legal_holds_list,
)
from retention.services.disposal.proposal import (
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_item_exclude,
)
from retention.services.holds import (
    hold_scope_preview_details,
    legal_hold_place,
    legal_hold_release,
)
from retention.services.schedules import retention_schedule_impact, retention_schedule_save

READ = [IsRecordsManager | IsReadOnlyAuditor]
WRITE = [IsRecordsManager]


class ReadWriteMixin:
    """GET for managers and auditors; anything else for records managers only."""

    def get_permissions(self) -> list[Any]:
        request: Request = self.request  # type: ignore[attr-defined]
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return [permission() for permission in READ]
        return [permission() for permission in WRITE]


# --- file plan ------------------------------------------------------------------------------


class RetentionScheduleSerializer(serializers.ModelSerializer):
    record_class = serializers.CharField(source="record_class.code")
    period = serializers.CharField(source="period_label")

    class Meta:
        model = RetentionSchedule
        fields = [
            "id",
            "record_class",
            "jurisdiction",
            "period",
            "retention_years",
            "retention_months",
            "retention_days",
            "trigger",
            "pii_period_days",
            "action",
            "citation",
            "effective_from",
            "effective_to",
        ]


class RetentionScheduleInputSerializer(serializers.Serializer):
    """A schedule write (SPEC §4.1, §4.2). Ranges and actions are checked by the service
    (`rules.schedule_values_problem`), which names the field; `reason` is required there."""

    record_class = serializers.CharField(required=False)
    jurisdiction = serializers.CharField(required=False, max_length=16)
    retention_years = serializers.IntegerField(required=False)
    retention_months = serializers.IntegerField(required=False)
    retention_days = serializers.IntegerField(required=False)
    trigger = serializers.CharField(required=False, allow_blank=True, max_length=64)
    pii_period_days = serializers.IntegerField(required=False, allow_null=True)
    action = serializers.CharField(required=False, max_length=16)
    citation = serializers.CharField(required=False, allow_blank=True)
    effective_from = serializers.DateTimeField(required=False, allow_null=True)
    effective_to = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    dry_run = serializers.BooleanField(required=False, default=False)


def _schedule_write(
    request: Request, *, schedule: RetentionSchedule | None, created: bool
) -> Response:
    data = RetentionScheduleInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    reason, dry_run = values.pop("reason"), values.pop("dry_run")
    code = values.pop("record_class", None)
    if code is not None:
        record_class = RecordClass.objects.filter(code=code).first()
        if record_class is None:
            raise ApplicationError(
                f"Unknown record class {code!r}", extra={"field": "record_class"}
            )
    elif schedule is not None:
        record_class = schedule.record_class
    else:
        raise ApplicationError("record_class is required", extra={"field": "record_class"})
    arguments: dict[str, Any] = {
        "schedule": schedule,
        "record_class": record_class,
        "data": values,
        "changed_by": request.user,
        "reason": reason,
    }
    if dry_run:
        impact = retention_schedule_impact(**arguments)
        return Response(
            {
                "dry_run": True,
                "records_moved": impact.records_moved,
                "records_due_now": impact.records_due_now,
                "examples": impact.examples,
            }
        )
    saved = retention_schedule_save(**arguments)
    saved = RetentionSchedule.objects.select_related("record_class").get(pk=saved.pk)
    return Response(
        RetentionScheduleSerializer(saved).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class RetentionScheduleListApi(ReadWriteMixin, generics.ListAPIView):
    """GET: the schedules. POST: a new schedule `{"record_class": CODE, …, "reason"}`;
    `"dry_run": true` answers the impact (`records_moved`, `records_due_now`, `examples`)."""

    serializer_class = RetentionScheduleSerializer

    def get_queryset(self) -> QuerySet[RetentionSchedule]:
        return RetentionSchedule.objects.select_related("record_class").order_by(
            "record_class__code", "jurisdiction", "pk"
        )

    @extend_schema(
        request=RetentionScheduleInputSerializer, responses={201: RetentionScheduleSerializer}
    )
    def post(self, request: Request) -> Response:
        return _schedule_write(request, schedule=None, created=True)


class RetentionScheduleDetailApi(ReadWriteMixin, generics.RetrieveAPIView):
    """GET: one schedule. PATCH: change it with a `reason`; its records are recomputed in the
    same transaction (a failure changes nothing). `"dry_run": true` saves nothing."""

    serializer_class = RetentionScheduleSerializer

    def get_queryset(self) -> QuerySet[RetentionSchedule]:
        return RetentionSchedule.objects.select_related("record_class")

    @extend_schema(request=RetentionScheduleInputSerializer, responses=RetentionScheduleSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        schedule = get_object_or_404(
            RetentionSchedule.objects.select_related("record_class"), pk=pk
        )
        return _schedule_write(request, schedule=schedule, created=False)


# --- legal holds ----------------------------------------------------------------------------


class LegalHoldSerializer(serializers.ModelSerializer):
    issued_by = serializers.CharField(source="issued_by.username", default=None)
    released_by = serializers.CharField(source="released_by.username", default=None)
    is_active = serializers.BooleanField()
    record_count = serializers.IntegerField()

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "matter",
            "reference",
            "reason",
            "scope",
            "issued_by",
            "placed_at",
            "is_active",
            "released_at",
            "released_by",
            "release_reason",
            "record_count",
        ]


class LegalHoldListCreateApi(ReadWriteMixin, generics.ListAPIView):
    """GET: holds. POST: place a hold {"matter", "reference", "reason", "scope": {…}}."""

    serializer_class = LegalHoldSerializer

    class InputSerializer(serializers.Serializer):
        matter = serializers.CharField(max_length=255)
        reference = serializers.CharField(max_length=128, required=False, allow_blank=True)
        reason = serializers.CharField()
        scope = serializers.JSONField()

    def get_queryset(self) -> QuerySet[LegalHold]:
        return legal_holds_list()

    @extend_schema(request=InputSerializer, responses={201: LegalHoldSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = legal_hold_place(
            matter=data.validated_data["matter"],
            reference=data.validated_data.get("reference", ""),
            reason=data.validated_data["reason"],
            scope=data.validated_data["scope"],
            issued_by=request.user,  # type: ignore[arg-type]
        )
        hold = legal_holds_list().get(pk=hold.pk)
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class LegalHoldDetailApi(generics.RetrieveAPIView):
    permission_classes = READ
    serializer_class = LegalHoldSerializer

    def get_queryset(self) -> QuerySet[LegalHold]:
        return legal_holds_list()


class LegalHoldReleaseApi(APIView):
    permission_classes = WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: LegalHoldSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = get_object_or_404(LegalHold, pk=pk)
        legal_hold_release(
            hold=hold,
            released_by=request.user,  # type: ignore[arg-type]
            reason=data.validated_data["reason"],
        )
        return Response(LegalHoldSerializer(legal_holds_list().get(pk=pk)).data)


class LegalHoldPreviewApi(APIView):
    """How many live records a scope covers now, before the hold is saved."""

    permission_classes = WRITE

    class InputSerializer(serializers.Serializer):
        scope = serializers.JSONField()

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer(
            "HoldPreview",
            {
                "count": serializers.IntegerField(),
                "purged_text_searched": serializers.BooleanField(),
                "records_with_purged_originals": serializers.IntegerField(),
                "note": serializers.CharField(),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(hold_scope_preview_details(scope=data.validated_data["scope"]))


# --- disposal batches -----------------------------------------------------------------------


class DisposalBatchSerializer(serializers.ModelSerializer):
    record_class = serializers.CharField(source="record_class.code")
    proposed_by = serializers.CharField(
        source="proposed_by.username", default=None, allow_null=True
    )
    rejected_by = serializers.CharField(
        source="rejected_by.username", default=None, allow_null=True
    )
    item_count = serializers.IntegerField()
    approval_count = serializers.IntegerField()

    class Meta:
        model = DisposalBatch
        fields = [
            "id",
            "record_class",
            "jurisdiction",
            "action",
            "state",
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
            "item_count",
        ]


def _batch_detail(batch: DisposalBatch) -> dict[str, Any]:
    data = dict(DisposalBatchSerializer(batch).data)
    data["approvals"] = [
        {"approver": a.approver.get_username(), "approved_at": a.approved_at}
        for a in batch.approvals.select_related("approver")
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
    permission_classes = READ
    serializer_class = DisposalBatchSerializer
    filterset_fields = ["state", "jurisdiction"]

    def get_queryset(self) -> QuerySet[DisposalBatch]:
        return disposal_batches_list()


class DisposalBatchDetailApi(APIView):
    """A batch with its approvals and items (record, chat_external_id, status)."""

    permission_classes = READ

    @extend_schema(responses=DisposalBatchSerializer)
    def get(self, request: Request, pk: int) -> Response:
        batch = get_object_or_404(disposal_batches_list(), pk=pk)
        return Response(_batch_detail(batch))


class DisposalBatchApproveApi(APIView):
    permission_classes = WRITE

    @extend_schema(request=None, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        batch = get_object_or_404(DisposalBatch, pk=pk)
        disposal_batch_approve(batch=batch, approver=request.user)  # type: ignore[arg-type]
        return Response(_batch_detail(disposal_batches_list().get(pk=pk)))


class DisposalBatchRejectApi(APIView):
    permission_classes = WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = get_object_or_404(DisposalBatch, pk=pk)
        disposal_batch_reject(
            batch=batch,
            rejected_by=request.user,  # type: ignore[arg-type]
            reason=data.validated_data["reason"],
        )
        return Response(_batch_detail(disposal_batches_list().get(pk=pk)))


class DisposalBatchExcludeApi(APIView):
    permission_classes = WRITE

    class InputSerializer(serializers.Serializer):
        record = serializers.IntegerField()
        reason = serializers.CharField()
        review_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses=DisposalBatchSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = get_object_or_404(DisposalBatch, pk=pk)
        get_object_or_404(Record, pk=data.validated_data["record"])
        disposal_item_exclude(
            batch=batch,
            record_id=data.validated_data["record"],
            excluded_by=request.user,  # type: ignore[arg-type]
            reason=data.validated_data["reason"],
            review_at=data.validated_data["review_at"],
        )
        return Response(_batch_detail(disposal_batches_list().get(pk=pk)))


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
    permission_classes = READ
    serializer_class = DisposalCertificateSerializer

    def get_queryset(self) -> QuerySet[DisposalCertificate]:
        return disposal_certificates_list()


class DisposalCertificateDetailApi(APIView):
    permission_classes = READ
    renderer_classes = [JSONRenderer, CertificateHTMLRenderer]

    @extend_schema(responses=DisposalCertificateSerializer)
    def get(self, request: Request, pk: int) -> Response:
        certificate = get_object_or_404(disposal_certificates_list(), pk=pk)
        data = {**DisposalCertificateSerializer(certificate).data, "payload": certificate.payload}
        if request.accepted_renderer.format == "html":
            return Response({"certificate": certificate, "payload": certificate.payload})
        return Response(data)
