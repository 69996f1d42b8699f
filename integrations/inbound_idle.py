"""Held events are personal data and must not outlive their conversation (issue #12): a
conversation with no new event for CHAT_AUTO_CLOSE_DAYS is imported from what is held, through
the same mapping as its close (close_idle_conversations job; the chat then stays open until
close_idle_chats closes it at its last message), or, when what is held makes no chat, its events
are deleted and the discard is audited (source, conversation key, number of events and the field
that failed — never the content).
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from audit.services import audit_event_record
from chats.interchange import InterchangeError, chat_payload_from_dict
from chats.services.import_batch import chat_import
from integrations.importers import chatwoot, intercom, livechat, twilio
from integrations.inbound import held_events, livechat_held_chat
from integrations.inbound_copies import chat_full_copy
from integrations.inbound_intercom import intercom_held_chat
from integrations.models import InboundEvent

logger = logging.getLogger(__name__)
IDLE_CONVERSATIONS_PER_RUN = 10_000


def _chatwoot_idle_chat(key: str) -> dict[str, Any]:
    return chatwoot.conversation_to_chat(
        {"id": key}, extra_messages=held_events(chatwoot.SOURCE, key, "message")
    )


def _twilio_idle_chat(key: str) -> dict[str, Any]:
    messages = held_events(twilio.SOURCE, key, "message")
    created = sorted(str(m.get("date_created")) for m in messages if m.get("date_created"))
    if not created:
        raise InterchangeError("no held message has a date_created", "date_created")
    conversation = {"sid": key, "date_created": created[0], "state": "active"}
    bundle = twilio.Bundle(
        number=1,
        conversation=conversation,
        messages=messages,
        participants=held_events(twilio.SOURCE, key, "participant"),
    )
    return twilio.bundle_to_chat(bundle)


IDLE_CHAT_BUILDERS = {
    chatwoot.SOURCE: _chatwoot_idle_chat,
    intercom.SOURCE: intercom_held_chat,
    livechat.SOURCE: livechat_held_chat,
    twilio.SOURCE: _twilio_idle_chat,
}


def inbound_conversations_close_idle(*, now: datetime) -> dict[str, int]:
    """Imports or discards the held events of every conversation idle for CHAT_AUTO_CLOSE_DAYS
    (no event received since), as of `now`. Each conversation is one transaction."""
    cutoff = now - timedelta(days=settings.CHAT_AUTO_CLOSE_DAYS)
    idle = list(
        InboundEvent.objects.values("source", "conversation_key")
        .annotate(last_received_at=Max("received_at"), events=Count("pk"))
        .filter(last_received_at__lte=cutoff)
        .order_by("source", "conversation_key")[:IDLE_CONVERSATIONS_PER_RUN]
    )
    imported = failed = 0
    discarded: list[dict[str, Any]] = []
    for row in idle:
        source, key = row["source"], row["conversation_key"]
        builder = IDLE_CHAT_BUILDERS.get(source)
        try:
            with transaction.atomic():
                if builder is None:
                    raise InterchangeError(f"no importer for source {source!r}", "source")
                # The same full copy as a close: merged with a stored chat, and never an
                # internal note the installed interchange could not keep apart.
                copy = chat_full_copy(builder(key))
                chat_import(payload=chat_payload_from_dict(copy))
                InboundEvent.objects.filter(source=source, conversation_key=key).delete()
            imported += 1
        except (InterchangeError, ValueError, TypeError, AttributeError) as error:
            field = error.field if isinstance(error, InterchangeError) else ""
            with transaction.atomic():
                deleted, _ = InboundEvent.objects.filter(
                    source=source, conversation_key=key, received_at__lte=cutoff
                ).delete()
            discarded.append(
                {"source": source, "conversation_key": key, "events": deleted, "field": field}
            )
            logger.warning(
                "close_idle_conversations: %s:%s discarded (%d events; %s)",
                source,
                key,
                deleted,
                field or type(error).__name__,
            )
        except Exception:
            failed += 1
            logger.exception("close_idle_conversations: %s:%s failed; kept", source, key)
    if discarded:
        audit_event_record(
            actor=None,
            action="inbound.discarded",
            target_type="integrations.inboundevent",
            data={
                "conversations": discarded,
                "reason": f"idle {settings.CHAT_AUTO_CLOSE_DAYS} days; held events make no chat",
                "as_of": now.isoformat(),
            },
        )
    if imported:
        audit_event_record(
            actor=None,
            action="inbound.idle_imported",
            target_type="integrations.inboundevent",
            data={"conversations": imported, "as_of": now.isoformat()},
        )
    return {"imported": imported, "discarded": len(discarded), "failed": failed}
