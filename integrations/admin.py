from django.contrib import admin

from integrations.models import InboundEvent


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["source", "conversation_key", "kind", "received_at"]
    list_filter = ["source", "kind"]
    readonly_fields = [f.name for f in InboundEvent._meta.fields]
