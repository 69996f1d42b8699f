"""`GET /api/v1/kb/topics/` (every role) and `PATCH /api/v1/kb/topics/{id}/` with {"name"}
(records managers and support staff): topics are clusters of related keywords (issue #17)."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import acting_user
from core.permissions import IsAnyRoleReadOnly, IsRecordsManager, IsSupportStaff
from knowledgebase.models import Topic
from knowledgebase.services.topics import topic_rename


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", "name", "name_edited", "terms", "chat_count", "updated_at"]
        read_only_fields = ["id", "slug", "name_edited", "terms", "chat_count", "updated_at"]


class TopicRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)


class TopicListApi(APIView):
    permission_classes = [IsAnyRoleReadOnly]
    serializer_class = TopicSerializer

    @extend_schema(responses=TopicSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(TopicSerializer(Topic.objects.all(), many=True).data)


class TopicDetailApi(APIView):
    serializer_class = TopicSerializer

    def get_permissions(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAnyRoleReadOnly()]
        return [(IsSupportStaff | IsRecordsManager)()]

    @extend_schema(responses=TopicSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TopicSerializer(get_object_or_404(Topic, pk=pk)).data)

    @extend_schema(request=TopicRenameSerializer, responses=TopicSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        topic = get_object_or_404(Topic, pk=pk)
        data = TopicRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic_rename(
            topic=topic,
            name=data.validated_data["name"],
            user=acting_user(request),
            now=timezone.now(),
        )
        return Response(TopicSerializer(topic).data)
