"""Issue #12 item 9d: webhook events held for a conversation that never closes hold personal
data forever. After CHAT_AUTO_CLOSE_DAYS without a new event, close_idle_conversations imports
the conversation from what is held (close_idle_chats then closes it at its last message), or,
when nothing importable is held, discards the events with an audited trace."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from chats.models import Chat
from core.jobs import job_run
from core.management.commands.run_all_jobs import LIFECYCLE_ORDER
from integrations.models import InboundEvent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _held(source: str, key: str, kind: str, payload: dict, *, received_at: datetime) -> None:
    event = InboundEvent.objects.create(
        source=source, conversation_key=key, kind=kind, payload=payload
    )
    InboundEvent.objects.filter(pk=event.pk).update(received_at=received_at)


def _chatwoot_message() -> dict:
    """A message_created event as the Chatwoot endpoint holds it (shared/formats/chatwoot)."""
    return {
        "id": 118,
        "content": "hi",
        "created_at": "2021-07-23T18:02:48.000Z",
        "message_type": "incoming",
        "content_type": "text",
        "private": False,
        "content_attributes": {},
        "source_id": None,
        "sender": {"id": 14, "name": "little-haze-776", "avatar": "", "type": "contact"},
    }


def test_an_idle_conversation_is_imported_from_its_held_events_then_closed():
    _held("chatwoot", "10", "message", _chatwoot_message(), received_at=NOW - timedelta(days=8))

    result = job_run(name="close_idle_conversations", now=NOW)

    assert result.ok, result.messages
    assert result.counts == {"imported": 1, "discarded": 0, "failed": 0}
    chat = Chat.objects.get(source="chatwoot", external_id="10")
    assert [m.text for m in chat.messages.all()] == ["hi"]
    assert not InboundEvent.objects.exists()
    job_run(name="close_idle_chats", now=NOW)
    chat.refresh_from_db()
    assert chat.ended_at == chat.messages.get().sent_at


def test_held_events_that_make_no_chat_are_discarded_with_a_trace():
    secret_text = "my card is 4111 1111 1111 1111"
    _held(
        "livechat",
        "PJ0MRSHTDG",
        "event",
        {"thread_id": "QAA", "event": {"type": "message", "text": secret_text}},
        received_at=NOW - timedelta(days=30),
    )

    result = job_run(name="close_idle_conversations", now=NOW)

    assert result.counts == {"imported": 0, "discarded": 1, "failed": 0}
    assert not InboundEvent.objects.exists()
    assert not Chat.objects.exists()
    trace = AuditEvent.objects.get(action="inbound.discarded")
    assert trace.data["conversations"] == [
        {"source": "livechat", "conversation_key": "PJ0MRSHTDG", "events": 1, "field": "chat_id"}
    ]
    assert secret_text not in json.dumps(trace.data)


def test_a_conversation_with_a_recent_event_is_kept(settings):
    _held("chatwoot", "11", "message", _chatwoot_message(), received_at=NOW - timedelta(days=20))
    _held("chatwoot", "11", "message", _chatwoot_message(), received_at=NOW - timedelta(days=2))
    settings.CHAT_AUTO_CLOSE_DAYS = 7

    result = job_run(name="close_idle_conversations", now=NOW)

    assert result.counts == {"imported": 0, "discarded": 0, "failed": 0}
    assert InboundEvent.objects.count() == 2


def test_idleness_is_measured_at_the_jobs_now():
    received = datetime(2025, 1, 1, tzinfo=UTC)
    _held("chatwoot", "12", "message", _chatwoot_message(), received_at=received)
    job_run(name="close_idle_conversations", now=received + timedelta(days=3))
    assert InboundEvent.objects.count() == 1


def test_close_idle_conversations_runs_before_close_idle_chats():
    assert LIFECYCLE_ORDER.index("close_idle_conversations") < LIFECYCLE_ORDER.index(
        "close_idle_chats"
    )
