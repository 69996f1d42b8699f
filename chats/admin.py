from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from chats.models import Agent, Chat, Customer, Message, Survey


@admin.register(Chat)
class ChatAdmin(SimpleHistoryAdmin):
    list_display = ("source", "external_id", "started_at", "ended_at", "country", "country_source")
    list_filter = ("source", "country", "country_source")
    search_fields = ("external_id",)
    raw_id_fields = ("customer",)
    readonly_fields = ("imported_at", "locked_at", "redacted_at", "content_sha256")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("chat", "position", "sender", "sent_at")
    raw_id_fields = ("chat", "agent")


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("source", "external_id", "name", "email")
    search_fields = ("external_id", "email")


@admin.register(Agent)
class AgentAdmin(SimpleHistoryAdmin):
    list_display = ("source", "external_id", "name", "team", "default_country")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("chat", "rating", "resolved")
    raw_id_fields = ("chat",)
