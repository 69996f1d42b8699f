from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import GovernanceReadWriteMixin, IsRecordsManager, IsSupportStaff
from integrations.transcripts import chat_transcript_send
from outbox.models import WebhookDelivery, WebhookSubscription
from outbox.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "is_active", "created_at"]


class SubscriptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    secret = serializers.CharField(max_length=128, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


class WebhookSubscriptionListCreateApi(GovernanceReadWriteMixin, generics.ListAPIView):
    """Managers create subscriptions (the secret is returned once, on creation); auditors read."""

    serializer_class = SubscriptionSerializer
    queryset = WebhookSubscription.objects.order_by("name", "pk")

    def post(self, request: Request) -> Response:
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = webhook_subscription_create(
            name=data.validated_data["name"],
            url=data.validated_data["url"],
            events=data.validated_data["events"],
            secret=data.validated_data.get("secret", ""),
            created_by=acting_user(request),
        )
        body = {**SubscriptionSerializer(subscription).data, "secret": subscription.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookSubscriptionDetailApi(GovernanceReadWriteMixin, generics.GenericAPIView):
    serializer_class = SubscriptionSerializer

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return WebhookSubscription.objects.all()

    def get(self, request: Request, pk: int) -> Response:
        return Response(SubscriptionSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    def patch(self, request: Request, pk: int) -> Response:
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        data = SubscriptionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        subscription = webhook_subscription_update(
            subscription=subscription,
            actor=acting_user(request),
            data=dict(data.validated_data),
        )
        return Response(SubscriptionSerializer(subscription).data)

    def delete(self, request: Request, pk: int) -> Response:
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        webhook_subscription_delete(subscription=subscription, actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListApi(GovernanceReadWriteMixin, generics.ListAPIView):
    """The delivery log, newest first (managers and auditors)."""

    serializer_class = DeliverySerializer
    filterset_fields = ["status", "event", "subscription"]

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.order_by("-created_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class ChatTranscriptSendApi(APIView):
    """Emails the customer a copy of their chat, to the address stored on the chat (R-CHAT-5)."""

    permission_classes = [IsSupportStaff | IsRecordsManager]

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        chat = chat_transcript_send(chat_id=pk, sent_by=acting_user(request))
        return Response({"chat": chat.pk, "sent": True}, status=status.HTTP_202_ACCEPTED)
