"""The file plan's API: record classes and retention schedules (SPEC §4.1, §4.2)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import ApplicationError
from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GovernanceReadWriteMixin
from records.models import RecordClass, RetentionSchedule, RetentionScheduleChange
from records.schedule_changes import (
    retention_schedule_change_approve,
    retention_schedule_write,
    schedule_write_shortens,
)
from records.schedules import retention_schedule_impact


class RecordClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordClass
        fields = ["id", "code", "title", "description", "citation", "is_record", "vital"]


class RecordClassListApi(generics.ListAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = RecordClassSerializer
    queryset = RecordClass.objects.order_by("code")


# --- file plan ------------------------------------------------------------------------------


class RetentionScheduleSerializer(serializers.ModelSerializer):
    record_class = serializers.CharField(source="record_class.code")
    period = serializers.CharField(source="period_label")
    vital = serializers.BooleanField(source="record_class.vital", read_only=True)

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
            "cutoff",
            "vital",
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
    cutoff = serializers.CharField(required=False, max_length=16)
    vital = serializers.BooleanField(required=False)
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
        "changed_by": acting_user(request),
        "reason": reason,
    }
    if dry_run:
        impact = retention_schedule_impact(**arguments)
        shortens = (
            schedule_write_shortens(schedule, record_class=record_class, data=values)
            if schedule is not None
            else []
        )
        return Response(
            {
                "dry_run": True,
                # Saving it for real would wait for a second records manager.
                "needs_approval": bool(shortens),
                "shortens": shortens,
                "records_moved": impact.records_moved,
                "records_due_now": impact.records_due_now,
                "examples": impact.examples,
            }
        )
    written = retention_schedule_write(**arguments)
    if written.change is not None:
        return Response(
            {
                "state": written.change.state,
                "change": written.change.pk,
                "shortens": written.change.shortens,
            },
            status=status.HTTP_202_ACCEPTED,
        )
    assert written.schedule is not None  # noqa: S101 - a write saves or proposes
    saved = RetentionSchedule.objects.select_related("record_class").get(pk=written.schedule.pk)
    return Response(
        RetentionScheduleSerializer(saved).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class RetentionScheduleListApi(GovernanceReadWriteMixin, generics.ListAPIView):
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


class RetentionScheduleDetailApi(GovernanceReadWriteMixin, generics.RetrieveAPIView):
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


# --- schedule changes waiting for a second records manager (SPEC §4.1) ----------------------


class RetentionScheduleChangeSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.username", default=None)
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = RetentionScheduleChange
        fields = [
            "id",
            "schedule",
            "state",
            "proposed",
            "base",
            "shortens",
            "reason",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
        ]


class RetentionScheduleChangeListApi(generics.ListAPIView):
    """Schedule changes, newest first; `?state=pending_approval` for the ones waiting."""

    permission_classes = GOVERNANCE_READ
    serializer_class = RetentionScheduleChangeSerializer

    def get_queryset(self) -> QuerySet[RetentionScheduleChange]:
        queryset = RetentionScheduleChange.objects.select_related("proposed_by", "decided_by")
        state = self.request.query_params.get("state")
        return queryset.filter(state=state) if state else queryset


class RetentionScheduleChangeDetailApi(generics.RetrieveAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = RetentionScheduleChangeSerializer
    queryset = RetentionScheduleChange.objects.select_related("proposed_by", "decided_by")


class RetentionScheduleChangeApproveApi(GovernanceReadWriteMixin, generics.GenericAPIView):
    """POST: another records manager applies the change (and recomputes its records)."""

    serializer_class = RetentionScheduleChangeSerializer
    queryset = RetentionScheduleChange.objects.all()

    @extend_schema(request=None, responses=RetentionScheduleChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        get_object_or_404(RetentionScheduleChange, pk=pk)
        change = retention_schedule_change_approve(change_id=pk, approver=acting_user(request))
        return Response(RetentionScheduleChangeSerializer(change).data)
