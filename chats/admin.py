"""The Django admin of chats.

A declared transcript is locked (R-REC-2, issue #12): once a chat's record is declared
(`Chat.locked_at`), its messages, survey, the chat itself and the identity of its customer are
read-only here — no change, no delete, also for superusers (corrections are annotations, country
corrections go through QA, erasure and disposal through their services). Every admin page that
shows a message's or a survey's original text is audited as `chat.original_viewed`, like the
transcript page and the API.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from audit.services import audit_event_record
from chats.models import Agent, Chat, Customer, Message, Survey


def _locked(chat: Chat | None) -> bool:
    return chat is not None and chat.locked_at is not None


class _OriginalTextAudited(admin.ModelAdmin):
    """Audits every view of an object's change page: it shows original text."""

    def chat_of(self, obj: Any) -> Chat:
        return obj.chat

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit_event_record(
                    actor=request.user,
                    action="chat.original_viewed",
                    target=self.chat_of(obj),
                    data={"via": "admin", "object": f"{obj._meta.label_lower}:{obj.pk}"},
                )
        return response


class _LockedWithTranscript(admin.ModelAdmin):
    """No change or delete of an object that belongs to a declared transcript."""

    def is_locked(self, obj: Any) -> bool:
        return _locked(obj.chat)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.is_locked(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Chat)
class ChatAdmin(_LockedWithTranscript, SimpleHistoryAdmin):
    list_display = ("source", "external_id", "started_at", "ended_at", "country", "country_source")
    list_filter = ("source", "country", "country_source")
    search_fields = ("external_id",)
    raw_id_fields = ("customer",)
    readonly_fields = (
        "imported_at",
        "locked_at",
        "redacted_at",
        "redaction_version",
        "content_sha256",
        "redacted_sha256",
    )

    def is_locked(self, obj: Any) -> bool:
        return _locked(obj)


@admin.register(Message)
class MessageAdmin(_OriginalTextAudited, _LockedWithTranscript, admin.ModelAdmin):
    list_display = ("chat", "position", "sender", "visibility", "sent_at")
    list_select_related = ("chat",)
    raw_id_fields = ("chat", "agent")
    # As the source sent them: the source's id, what it attached and who may see the line
    # are not hand-edited (the redaction layer of attachments is redact_pii's).
    readonly_fields = ("external_id", "visibility", "attachments", "attachments_redacted")


@admin.register(Customer)
class CustomerAdmin(_LockedWithTranscript, SimpleHistoryAdmin):
    list_display = ("source", "external_id", "name", "email")
    search_fields = ("external_id", "email")

    def is_locked(self, obj: Any) -> bool:
        # The identity is part of every transcript of this customer that is declared.
        return obj.chats.filter(locked_at__isnull=False).exists()


@admin.register(Agent)
class AgentAdmin(SimpleHistoryAdmin):
    list_display = ("source", "external_id", "name", "team", "default_country")


@admin.register(Survey)
class SurveyAdmin(_OriginalTextAudited, _LockedWithTranscript, admin.ModelAdmin):
    list_display = ("chat", "rating", "resolved")
    list_select_related = ("chat",)
    raw_id_fields = ("chat",)
