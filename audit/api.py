from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.filters import AuditEventFilter
from audit.models import AUDIT_EVENT_COLUMNS, AuditEvent
from audit.selectors import audit_events_newest_first
from audit.services import audit_chain_verify_configured
from core.permissions import GOVERNANCE_READ
from core.serializers import FastRepresentationMixin


class AuditEventSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEvent
        fields = ["id", *AUDIT_EVENT_COLUMNS]


class AuditEventListApi(generics.ListAPIView):
    """The audit log, newest first; filter by action (or prefix), target, actor and time."""

    permission_classes = GOVERNANCE_READ
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_events_newest_first()


class AuditChainVerifyApi(APIView):
    """Recomputes the chain (read-only): {"ok", "message"} naming the first broken event."""

    permission_classes = GOVERNANCE_READ

    @extend_schema(
        responses=inline_serializer(
            "AuditChainVerification",
            {"ok": serializers.BooleanField(), "message": serializers.CharField()},
        )
    )
    def get(self, request: Request) -> Response:
        ok, message = audit_chain_verify_configured()
        return Response({"ok": ok, "message": message})
