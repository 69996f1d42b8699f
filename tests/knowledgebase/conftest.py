"""Knowledge-base fixtures: chats imported through the real service, then "redacted" the way the
redaction job leaves them (text_redacted set, Chat.redacted_at stamped)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import F

from chats.models import Chat, Message, Survey
from knowledgebase.services.taxonomy import taxonomy_seed
from tests.factories import make_chat

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
REDACTED_AT = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)

TOPIC_TEXTS: dict[str, tuple[str, str]] = {
    "refund": (
        "I returned the blender two weeks ago and I still have no refund for it.",
        "I have approved the refund of your blender; the money is back on your card in 5 days.",
    ),
    "shipping": (
        "Where is my parcel? The tracking has not moved and the delivery is late.",
        "The carrier had a delay at the depot; your parcel delivery is now scheduled Thursday.",
    ),
    "password": (
        "I cannot log in, it says my password is wrong and my account is locked.",
        "I have unlocked your account and sent a password reset link to your inbox.",
    ),
}


def redact(chat: Chat, *, at: datetime = REDACTED_AT) -> Chat:
    """What the redaction job leaves behind (here the text holds no PII to replace)."""
    Message.objects.filter(chat=chat).update(text_redacted=F("text"))
    Survey.objects.filter(chat=chat).update(comment_redacted=F("comment"))
    Chat.objects.filter(pk=chat.pk).update(redacted_at=at, redaction_version="test-1")
    chat.refresh_from_db()
    return chat


def messages_for(
    started: datetime, customer: str, agent: str, closing: str
) -> list[dict[str, Any]]:
    return [
        {"sender": "customer", "sent_at": started.isoformat(), "text": customer},
        {
            "sender": "agent",
            "agent_external_id": "a-7",
            "sent_at": (started + timedelta(minutes=2)).isoformat(),
            "text": agent,
        },
        {
            "sender": "customer",
            "sent_at": (started + timedelta(minutes=4)).isoformat(),
            "text": closing,
        },
    ]


@pytest.fixture
def taxonomy(db: None) -> None:
    taxonomy_seed()


@pytest.fixture
def topic_chat(db: None) -> Callable[..., Chat]:
    def factory(
        topic: str,
        *,
        started_at: datetime = datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        closing: str = "Thanks, that helps.",
        redacted: bool = True,
        **overrides: Any,
    ) -> Chat:
        customer, agent = TOPIC_TEXTS[topic]
        chat = make_chat(
            started_at=started_at,
            messages=messages_for(started_at, customer, agent, closing),
            tags=[],
            **overrides,
        )
        return redact(chat) if redacted else chat

    return factory
