"""The chat.closed event for chats imported already closed: its payload is built here, from the
chat, and the outbox receives plain data."""

from typing import Any

from django.db import transaction

from chats.hooks import ChatsImported
from chats.models import Chat
from outbox.services import webhook_event_emit, webhook_event_wanted


def chat_closed_payload(chat: Chat) -> dict[str, Any]:
    """What a CRM needs to file a finished chat: ids and metadata, no names, no text."""
    return {
        "chat": {
            "id": chat.pk,
            "source": chat.source,
            "external_id": chat.external_id,
            "started_at": chat.started_at,
            "ended_at": chat.ended_at,
            "country": chat.country,
            "region": chat.region,
            "customer_external_id": chat.customer.external_id if chat.customer else None,
            "agent_external_ids": sorted(agent.external_id for agent in chat.agents.all()),
            "url": f"/chats/{chat.pk}/",
        }
    }


def chats_closed_emit(event: ChatsImported) -> None:
    """Receiver of chats.hooks.chats_imported: one chat.closed per imported chat that has ended."""
    if not event.chat_ids:
        return
    if not webhook_event_wanted("chat.closed"):
        return  # the common case costs one small query per import batch
    chats = (
        Chat.objects.filter(pk__in=event.chat_ids, ended_at__isnull=False)
        .select_related("customer")
        .prefetch_related("agents")
        .order_by("pk")
    )
    with transaction.atomic():
        for chat in chats:
            webhook_event_emit(event="chat.closed", payload=chat_closed_payload(chat))
