from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GOVERNANCE_READ, GOVERNANCE_WRITE, GovernanceReadWriteMixin
from privacy.filters import SubjectRequestFilter
from privacy.models import (
    DataSubjectMatch,
    DataSubjectRequest,
    MatchBasis,
    RequestKind,
    RequestStatus,
)
from privacy.selectors import subject_request_matches, subject_requests_list
from privacy.services.erasure import subject_request_erase
from privacy.services.export import EXPORT_FORMATS, subject_request_export
from privacy.services.requests import (
    LAWS,
    subject_request_close,
    subject_request_create,
    subject_request_match_confirm,
    subject_request_matches_confirm,
    subject_request_search,
)


class SubjectRequestSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)
    customer_id = serializers.CharField(source="customer_external_id", read_only=True)
    handled_by = serializers.SerializerMethodField()

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "kind",
            "status",
            "jurisdiction",
            "law",
            "received_at",
            "due_at",
            "closed_at",
            "is_overdue",
            "email",
            "phone",
            "name",
            "customer_id",
            "reference",
            "handled_by",
            "searched_at",
            "outcome",
        ]

    def get_handled_by(self, request: DataSubjectRequest) -> str | None:
        return request.handled_by.get_username() if request.handled_by else None


class MatchSerializer(serializers.ModelSerializer):
    chat_external_id = serializers.CharField(source="chat.external_id")
    chat_source = serializers.CharField(source="chat.source")
    record = serializers.SerializerMethodField()
    record_status = serializers.SerializerMethodField()
    match_basis = serializers.ListField(child=serializers.CharField(), read_only=True)
    conflicts = serializers.ListField(child=serializers.CharField(), read_only=True)
    mentioned = serializers.SerializerMethodField()
    confirmed_by = serializers.SerializerMethodField()

    class Meta:
        model = DataSubjectMatch
        fields = [
            "id",
            "chat",
            "chat_external_id",
            "chat_source",
            "match_basis",
            "conflicts",
            "mentioned",
            "bases",
            "confirmed",
            "confirmed_by",
            "found_at",
            "record",
            "record_status",
        ]

    def get_mentioned(self, match: DataSubjectMatch) -> bool:
        return MatchBasis.MENTION in match.bases

    def get_confirmed_by(self, match: DataSubjectMatch) -> str | None:
        return match.confirmed_by.get_username() if match.confirmed_by else None

    def get_record(self, match: DataSubjectMatch) -> int | None:
        record = getattr(match.chat, "record", None)
        return record.pk if record is not None else None

    def get_record_status(self, match: DataSubjectMatch) -> str | None:
        record = getattr(match.chat, "record", None)
        return record.status if record is not None else None


class SubjectRequestDetailSerializer(SubjectRequestSerializer):
    matches = serializers.SerializerMethodField()

    class Meta(SubjectRequestSerializer.Meta):
        fields = [*SubjectRequestSerializer.Meta.fields, "matches", "result"]

    def get_matches(self, request: DataSubjectRequest) -> list[dict[str, Any]]:
        return MatchSerializer(subject_request_matches(request), many=True).data  # type: ignore[return-value]


def _requests() -> QuerySet[DataSubjectRequest]:
    return subject_requests_list(now=timezone.now())


def _detail(pk: int, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(SubjectRequestDetailSerializer(_requests().get(pk=pk)).data, status=code)


class SubjectRequestListCreateApi(GovernanceReadWriteMixin, generics.ListAPIView):
    """Data-subject requests, soonest deadline first (overdue on top); managers record new ones."""

    serializer_class = SubjectRequestSerializer
    filterset_class = SubjectRequestFilter

    class SubjectRequestListCreateInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=RequestKind.choices)
        jurisdiction = serializers.ChoiceField(choices=sorted(LAWS))
        email = serializers.CharField(required=False, allow_blank=True, default="")
        phone = serializers.CharField(required=False, allow_blank=True, default="")
        name = serializers.CharField(required=False, allow_blank=True, default="")
        customer_id = serializers.CharField(required=False, allow_blank=True, default="")
        reference = serializers.CharField(required=False, allow_blank=True, default="")
        received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def get_queryset(self) -> QuerySet[DataSubjectRequest]:
        return _requests()

    @extend_schema(
        request=SubjectRequestListCreateInput, responses={201: SubjectRequestDetailSerializer}
    )
    def post(self, request: Request) -> Response:
        data = self.SubjectRequestListCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = subject_request_create(created_by=acting_user(request), **data.validated_data)
        return _detail(created.pk, code=status.HTTP_201_CREATED)


class SubjectRequestDetailApi(generics.RetrieveAPIView):
    permission_classes = GOVERNANCE_READ
    serializer_class = SubjectRequestDetailSerializer

    def get_queryset(self) -> QuerySet[DataSubjectRequest]:
        return _requests()


class SubjectRequestSearchApi(APIView):
    """Searches again for the person's chats (identity and mentions in the original text)."""

    permission_classes = GOVERNANCE_WRITE

    @extend_schema(request=None, responses={200: SubjectRequestDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        subject_request_search(request=dsr, searched_by=acting_user(request))
        return _detail(pk)


class SubjectRequestMatchesConfirmApi(APIView):
    """Confirms name-only matches as the person's own chats."""

    permission_classes = GOVERNANCE_WRITE

    class SubjectRequestMatchesConfirmInput(serializers.Serializer):
        matches = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)

    @extend_schema(
        request=SubjectRequestMatchesConfirmInput, responses={200: SubjectRequestDetailSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.SubjectRequestMatchesConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        subject_request_matches_confirm(
            request=dsr,
            match_ids=data.validated_data["matches"],
            confirmed_by=acting_user(request),
        )
        return _detail(pk)


class SubjectRequestConfirmApi(APIView):
    """Confirms one match, named by chat id or chat external id, as the person's own chat."""

    permission_classes = GOVERNANCE_WRITE

    class SubjectRequestConfirmInput(serializers.Serializer):
        chat = serializers.IntegerField(required=False, allow_null=True, default=None)
        chat_external_id = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=SubjectRequestConfirmInput, responses={200: SubjectRequestDetailSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.SubjectRequestConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        subject_request_match_confirm(
            request=dsr,
            confirmed_by=acting_user(request),
            chat_id=data.validated_data["chat"],
            chat_external_id=data.validated_data["chat_external_id"],
        )
        return _detail(pk)


class _FormatIsOurs(DefaultContentNegotiation):
    """`?format=` names the export's file format here, not a DRF renderer."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class SubjectRequestExportApi(APIView):
    """The person's chats: `?format=json` (interchange), `html` (transcripts) or `zip` (both)."""

    permission_classes = GOVERNANCE_WRITE
    content_negotiation_class = _FormatIsOurs

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("format", str, enum=list(EXPORT_FORMATS))],
        responses={(200, "application/octet-stream"): bytes},
    )
    def post(self, request: Request, pk: int) -> HttpResponse:
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        file = subject_request_export(
            request=dsr,
            exported_by=acting_user(request),
            fmt=request.query_params.get("format", "json"),
        )
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return response


class SubjectRequestEraseApi(APIView):
    """Erases what may be erased; the answer lists, per chat, what was erased and why the rest
    was kept."""

    permission_classes = GOVERNANCE_WRITE

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ErasureResult",
            {
                "erased_at": serializers.DateTimeField(),
                "counts": serializers.DictField(),
                "items": serializers.ListField(),
            },
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        result = subject_request_erase(request=dsr, erased_by=acting_user(request))
        return Response(result)


class SubjectRequestCloseApi(APIView):
    permission_classes = GOVERNANCE_WRITE

    class SubjectRequestCloseInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=[RequestStatus.COMPLETED, RequestStatus.REJECTED])
        outcome = serializers.CharField()

    @extend_schema(
        request=SubjectRequestCloseInput, responses={200: SubjectRequestDetailSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.SubjectRequestCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        dsr = get_object_or_404(DataSubjectRequest, pk=pk)
        subject_request_close(
            request=dsr,
            closed_by=acting_user(request),
            status=data.validated_data["status"],
            outcome=data.validated_data["outcome"],
        )
        return _detail(pk)
