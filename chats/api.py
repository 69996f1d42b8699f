from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import audit_event_record
from chats.fields import CHAT_API_FIELDS, chat_extra_value
from chats.filters import ChatFilter
from chats.interchange import InterchangeError, chat_payload_from_dict
from chats.models import Chat, Message
from chats.selectors import (
    chat_extras,
    chat_for_api_detail,
    chat_messages_split,
    chat_tags_for,
    message_attachments_for,
    message_author_for,
    message_text_for,
)
from chats.services.import_batch import CREATED, chat_import_outcome
from core.exceptions import ApplicationError
from core.permissions import CanIngestChats, IsAnyRoleReadOnly
from core.roles import (
    GOVERNANCE_ROLES,
    user_has_role,
    user_may_search_by_identity,
    user_may_see_original_text,
)
from core.serializers import FastRepresentationMixin, serializer_reads


class ChatSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A chat's metadata plus the extras other apps provide (record, sentiment, …)."""

    sentiment = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField()
    keywords = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Chat
        fields = CHAT_API_FIELDS
        # What the method fields read (core.serializers.serializer_reads): the extras come
        # from the context by the chat's id, the tags from the layer the reader may see.
        method_reads = {
            "sentiment": (),
            "satisfaction": (),
            "keywords": (),
            "record": (),
            "tags": ("tags", "tags_redacted"),
        }

    def _extra(self, chat: Chat, key: str) -> Any:
        return chat_extra_value(self.context.get("extras", {}).get(chat.pk, {}), key)

    def get_tags(self, chat: Chat) -> list[str]:
        return chat_tags_for(chat, show_identity=bool(self.context.get("show_identity")))

    def get_sentiment(self, chat: Chat) -> float | None:
        return self._extra(chat, "sentiment")

    def get_satisfaction(self, chat: Chat) -> float | None:
        return self._extra(chat, "satisfaction")

    def get_keywords(self, chat: Chat) -> list[str]:
        return self._extra(chat, "keywords")

    def get_record(self, chat: Chat) -> int | None:
        return self._extra(chat, "record")


class MessageSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    agent_external_id = serializers.CharField(
        source="agent.external_id", default=None, allow_null=True
    )

    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "position",
            "external_id",
            "sender",
            "author_name",
            "agent_external_id",
            "sent_at",
            "text",
            "attachments",
        ]

    def get_attachments(self, message: Message) -> list[dict[str, Any]]:
        return message_attachments_for(message, redacted=True)

    def get_author_name(self, message: Message) -> str:
        return message_author_for(message, show_identity=bool(self.context.get("show_identity")))

    def get_text(self, message: Message) -> str:
        # Everyone reads the redacted layer here; originals are an explicit, audited request.
        return message_text_for(message, redacted=True)

    def to_representation(self, instance: Message) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("include_original"):
            data["original_text"] = message_text_for(instance, redacted=False)
            data["original_attachments"] = message_attachments_for(instance, redacted=False)
        return data


class ChatDetailSerializer(ChatSerializer):
    """A chat as `_detail_chat` reads it: its transcript lines and internal notes already parted."""

    messages = MessageSerializer(many=True, read_only=True, source="api_transcript")
    customer = serializers.SerializerMethodField()
    survey = serializers.SerializerMethodField()

    class Meta(ChatSerializer.Meta):
        fields = [*ChatSerializer.Meta.fields, "locked_at", "customer", "survey", "messages"]

    def to_representation(self, instance: Chat) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("show_internal_notes"):
            # Managers and auditors only, apart from the transcript and labelled (SPEC §3).
            data["internal_notes"] = MessageSerializer(
                getattr(instance, "api_internal_notes"),  # noqa: B009 - set by _detail_chat
                many=True,
                context=self.context,
            ).data
        return data

    def get_customer(self, chat: Chat) -> dict[str, Any] | None:
        if chat.customer is None:
            return None
        # Support staff get our own id only: the source's customer id may be a login or an
        # account number that names the person (R-ROLE-1).
        data: dict[str, Any] = {"id": chat.customer_id}
        if self.context.get("show_customer_id"):
            data["external_id"] = chat.customer.external_id
        if self.context.get("show_identity"):
            data.update(
                name=chat.customer.name,
                email=chat.customer.email,
                phone=chat.customer.phone,
            )
        return data

    def get_survey(self, chat: Chat) -> dict[str, Any] | None:
        survey = getattr(chat, "survey", None)
        if survey is None:
            return None
        return {
            "rating": survey.rating,
            "resolved": survey.resolved,
            "comment": survey.comment_redacted or "",
            "answers": survey.answers_redacted or {},
        }


def _detail_chat(request: Request, queryset: QuerySet[Chat], pk: int) -> Chat:
    """The chat of ChatDetailSerializer, or a 404: its messages in one query, the internal notes
    among them only for those who see them, parted in Python."""
    with_notes = user_has_role(request.user, *GOVERNANCE_ROLES)
    chat = get_object_or_404(chat_for_api_detail(queryset, with_internal_notes=with_notes), pk=pk)
    transcript, notes = chat_messages_split(getattr(chat, "api_messages"))  # noqa: B009
    setattr(chat, "api_transcript", transcript)  # noqa: B010 - this request's instance
    setattr(chat, "api_internal_notes", notes)  # noqa: B010
    return chat


def _detail_context(request: Request, chat: Chat) -> dict[str, Any]:
    include_original = request.query_params.get("include_original") in {"1", "true", "yes"}
    if include_original:
        if not user_may_see_original_text(request.user):
            raise ApplicationError(
                "Only records managers may view original text", extra={"chat": chat.pk}
            )
        audit_event_record(
            actor=request.user, action="chat.original_viewed", target=chat, data={"via": "api"}
        )
    return {
        "request": request,
        "extras": chat_extras([chat.pk]),
        "include_original": include_original,
        "show_identity": user_may_see_original_text(request.user),
        "show_customer_id": user_may_search_by_identity(request.user),
        "show_internal_notes": user_has_role(request.user, *GOVERNANCE_ROLES),
    }


class ChatListCreateApi(generics.ListAPIView):
    """GET: chats, filtered and paginated (all roles). POST: ingest one interchange chat."""

    serializer_class = ChatSerializer
    filterset_class = ChatFilter

    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [CanIngestChats()]
        return [IsAnyRoleReadOnly()]

    def get_queryset(self) -> QuerySet[Chat]:
        # The columns the page shows, no others (the hashes, the redaction version…).
        return Chat.objects.order_by("-started_at", "-pk").only(*serializer_reads(ChatSerializer))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 - pagination is always on
        context = {
            **self.get_serializer_context(),
            "extras": chat_extras([c.pk for c in page]),
            "show_identity": user_may_see_original_text(request.user),
        }
        return self.get_paginated_response(ChatSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: ChatDetailSerializer, 200: ChatDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        try:
            payload = chat_payload_from_dict(request.data)
        except InterchangeError as error:
            raise ApplicationError(error.reason, extra={"field": error.field}) from error
        chat, outcome = chat_import_outcome(payload=payload)
        chat = _detail_chat(request, Chat.objects.all(), chat.pk)
        data = {
            **ChatDetailSerializer(chat, context=_detail_context(request, chat)).data,
            # created, updated, unchanged or correction (SPEC §3)
            "outcome": outcome,
        }
        created = outcome == CREATED
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ChatDetailApi(generics.GenericAPIView):
    permission_classes = [IsAnyRoleReadOnly]
    serializer_class = ChatDetailSerializer

    def get_queryset(self) -> QuerySet[Chat]:
        return Chat.objects.all()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "include_original",
                bool,
                description="records managers only; every such view is audited",
            )
        ]
    )
    def get(self, request: Request, pk: int) -> Response:
        chat = _detail_chat(request, self.get_queryset(), pk)
        return Response(ChatDetailSerializer(chat, context=_detail_context(request, chat)).data)
