"""Legal holds: place, list, preview, release (SPEC §2.3)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GOVERNANCE_WRITE, GovernanceReadWriteMixin
from retention.models import HoldCustodian, LegalHold
from retention.selectors import (
    legal_holds_list,
)
from retention.services.holds import (
    hold_scope_preview_details,
    legal_hold_place,
    legal_hold_release,
)

# --- legal holds ----------------------------------------------------------------------------


class HoldCustodianSerializer(serializers.ModelSerializer):
    class Meta:
        model = HoldCustodian
        fields = ["email", "notified_at", "acknowledged_at", "release_notified_at"]


class LegalHoldSerializer(serializers.ModelSerializer):
    issued_by = serializers.CharField(source="issued_by.username", default=None)
    released_by = serializers.CharField(source="released_by.username", default=None)
    is_active = serializers.BooleanField()
    record_count = serializers.IntegerField()
    custodians = HoldCustodianSerializer(many=True, read_only=True)

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
            "custodians",
        ]


class LegalHoldListCreateApi(GovernanceReadWriteMixin, generics.ListAPIView):
    """GET: holds. POST: place a hold {"matter", "reference", "reason", "scope": {…},
    "custodians": [e-mail addresses to notify]}."""

    serializer_class = LegalHoldSerializer

    class InputSerializer(serializers.Serializer):
        matter = serializers.CharField(max_length=255)
        reference = serializers.CharField(max_length=128, required=False, allow_blank=True)
        reason = serializers.CharField()
        scope = serializers.JSONField()
        custodians = serializers.ListField(
            child=serializers.CharField(max_length=254), required=False, default=list
        )

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
            issued_by=acting_user(request),
            custodians=data.validated_data["custodians"],
        )
        hold = legal_holds_list().get(pk=hold.pk)
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class LegalHoldDetailApi(generics.RetrieveAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = LegalHoldSerializer

    def get_queryset(self) -> QuerySet[LegalHold]:
        return legal_holds_list()


class LegalHoldReleaseApi(APIView):
    permission_classes = GOVERNANCE_WRITE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: LegalHoldSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold = get_object_or_404(LegalHold, pk=pk)
        legal_hold_release(
            hold=hold,
            released_by=acting_user(request),
            reason=data.validated_data["reason"],
        )
        return Response(LegalHoldSerializer(legal_holds_list().get(pk=pk)).data)


class LegalHoldPreviewApi(APIView):
    """How many live records a scope covers now, before the hold is saved."""

    permission_classes = GOVERNANCE_WRITE

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
