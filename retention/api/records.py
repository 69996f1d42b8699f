"""Records as retention sees them: with their holds, review decisions and trigger events."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GOVERNANCE_WRITE, GovernanceReadWriteMixin
from core.serializers import FastRepresentationMixin, serializer_reads
from records.filters import CustomerEventFilter
from records.models import CustomerEvent, Record
from records.rules import review_is_due
from records.selectors import customer_events_list, records_list
from retention.filters import RecordFilter
from retention.record_selectors import record_explanation, record_history
from retention.selectors import record_active_hold_list, record_active_holds
from retention.services.events import customer_event_record, customer_event_withdraw
from retention.services.reviews import record_review_decide


class RecordSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    chat_external_id = serializers.CharField(source="chat.external_id")
    chat_source = serializers.CharField(source="chat.source")
    country = serializers.CharField(source="chat.country")
    region = serializers.CharField(source="chat.region")
    record_class = serializers.CharField(source="record_class.code")
    vital = serializers.BooleanField(source="record_class.vital")
    holds = serializers.SerializerMethodField()
    review_due = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = [
            "id",
            "chat",
            "chat_external_id",
            "chat_source",
            "record_class",
            "vital",
            "status",
            "country",
            "region",
            "jurisdiction",
            "trigger",
            "trigger_at",
            "disposition_due",
            "pii_purge_due",
            "pii_purged_at",
            "disposed_at",
            "flag_reason",
            "review_at",
            "review_due",
            "review_decision",
            "retained_until",
            "holds",
        ]
        # What the method fields read (core.serializers.serializer_reads): holds come from
        # the context, review_due from the record's schedule and dates.
        method_reads = {
            "holds": (),
            "review_due": ("schedule__action", "status", "disposition_due", "review_decision"),
        }

    def get_holds(self, record: Record) -> list[int]:
        return list(self.context.get("holds", {}).get(record.pk, []))

    def get_review_due(self, record: Record) -> bool:
        action = record.schedule.action if record.schedule_id and record.schedule else None
        return record.is_live and review_is_due(
            action, record.disposition_due, record.review_decision, timezone.now()
        )


class RecordDetailSerializer(RecordSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "declared_at", "explanation"]

    def get_explanation(self, record: Record) -> dict[str, Any]:
        # The active holds the view read once for `holds` too (None: read them here).
        return record_explanation(record, holds=self.context.get("hold_rows"))


class RecordListApi(generics.ListAPIView):
    """Records, filtered by status, record_class, country, due_before, held."""

    permission_classes = GOVERNANCE_READ
    serializer_class = RecordSerializer
    filterset_class = RecordFilter

    def get_queryset(self) -> QuerySet[Record]:
        # The columns the page shows, no others (the declaration, the explanation, the hashes…).
        return records_list().only(*serializer_reads(RecordSerializer))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 - pagination is always on
        context = {"request": request, "holds": record_active_holds([r.pk for r in page])}
        return self.get_paginated_response(RecordSerializer(page, many=True, context=context).data)


def _detail_context(request: Request, record: Record) -> dict[str, Any]:
    """The record's active legal holds, read once: their ids for `holds`, the holds themselves
    for the explanation."""
    holds = record_active_hold_list(record)
    return {"request": request, "holds": {record.pk: [h.pk for h in holds]}, "hold_rows": holds}


class RecordDetailApi(generics.RetrieveAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = RecordDetailSerializer

    def get_queryset(self) -> QuerySet[Record]:
        return records_list()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        return Response(
            RecordDetailSerializer(record, context=_detail_context(request, record)).data
        )


class RecordHistoryApi(APIView):
    """The record's change history, audit events, holds and disposal steps, oldest first."""

    permission_classes = GOVERNANCE_READ

    @extend_schema(
        responses=inline_serializer("RecordHistory", {"results": serializers.ListField()})
    )
    def get(self, request: Request, pk: int) -> Response:
        record = get_object_or_404(Record, pk=pk)
        return Response({"record": record.pk, "results": record_history(record)})


def _moment(value: date | datetime) -> datetime:
    """A date means its first moment in the site's time zone."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """An ISO date ("2030-06-01") or date-time with an offset; 400 naming the field otherwise."""

    default_error_messages = {"invalid": "Give an ISO 8601 date or date-time (with an offset)."}

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            if len(data) <= 10:
                return _moment(date.fromisoformat(data))
            moment = datetime.fromisoformat(data.replace("Z", "+00:00"))
        except ValueError:
            self.fail("invalid")
        if moment.tzinfo is None:
            self.fail("invalid")
        return moment

    def to_representation(self, value: Any) -> Any:
        return value


class RecordReviewApi(APIView):
    """A records manager decides on a record due for review (schedule action `review`):
    `{"decision": "retain", "retain_until": DATE | "period_days"/"period_months"/"period_years":
    N, "reason"}` or `{"decision": "destroy", "reason"}` (then proposed in the next batch)."""

    permission_classes = GOVERNANCE_WRITE

    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["retain", "destroy"])
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        retain_until = DateOrDateTimeField(required=False)
        period_days = serializers.IntegerField(required=False)
        period_months = serializers.IntegerField(required=False)
        period_years = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: RecordDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = get_object_or_404(Record, pk=pk)
        values = data.validated_data
        record_review_decide(
            record=record,
            decision=values["decision"],
            decided_by=acting_user(request),
            reason=values["reason"],
            retain_until=values.get("retain_until"),
            period_days=values.get("period_days"),
            period_months=values.get("period_months"),
            period_years=values.get("period_years"),
        )
        record = records_list().get(pk=pk)
        return Response(
            RecordDetailSerializer(record, context=_detail_context(request, record)).data
        )


class CustomerEventSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="name")
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default=None)
    withdrawn_by = serializers.CharField(
        source="withdrawn_by.username", read_only=True, default=None
    )

    class Meta:
        model = CustomerEvent
        fields = [
            "id",
            "customer",
            "event",
            "occurred_at",
            "reason",
            "recorded_at",
            "recorded_by",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]


class CustomerEventListCreateApi(GovernanceReadWriteMixin, generics.ListAPIView):
    """GET: trigger events (managers, auditors), filtered by customer, event, withdrawn.
    POST: records one {"customer", "event", "occurred_at", "reason"} (managers); 400 when the
    event triggers no schedule, is in the future or precedes the customer's first chat."""

    serializer_class = CustomerEventSerializer
    filterset_class = CustomerEventFilter

    class InputSerializer(serializers.Serializer):
        customer = serializers.IntegerField()
        event = serializers.CharField(max_length=64, allow_blank=True)
        occurred_at = serializers.DateTimeField()
        reason = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def get_queryset(self) -> QuerySet[CustomerEvent]:
        return customer_events_list()

    @extend_schema(request=InputSerializer, responses={201: CustomerEventSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event, created = customer_event_record(
            customer_id=data.validated_data["customer"],
            name=data.validated_data["event"].strip(),
            occurred_at=data.validated_data["occurred_at"],
            reason=data.validated_data["reason"],
            recorded_by=acting_user(request),
        )
        return Response(
            CustomerEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CustomerEventWithdrawApi(APIView):
    """Withdraws a trigger event {"reason"} and recomputes the customer's records; managers."""

    permission_classes = GOVERNANCE_WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={200: CustomerEventSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = get_object_or_404(CustomerEvent, pk=pk)
        event = customer_event_withdraw(
            event=event,
            withdrawn_by=acting_user(request),
            reason=data.validated_data["reason"],
        )
        return Response(CustomerEventSerializer(customer_events_list().get(pk=event.pk)).data)
