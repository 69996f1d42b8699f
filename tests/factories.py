"""Test data built through the real services (STYLE §8): chats are imported, not hand-inserted."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

from chats.interchange import chat_payload_from_dict
from chats.models import Chat
from chats.services.import_batch import chat_import

_sequence = itertools.count(1)
# Queries of a token-authenticated API request before its view's own: the token with its user
# and the user's group names in one on PostgreSQL, the group names apart elsewhere
# (core.authentication).
TOKEN_AUTH_QUERIES = 1 if connection.vendor == "postgresql" else 2


def chat_dict(**overrides: Any) -> dict[str, Any]:
    """An interchange chat (SPEC §3). Override any key; `messages` defaults to a short exchange."""
    number = next(_sequence)
    started = overrides.pop("started_at", datetime(2025, 3, 1, 14, 2, 11, tzinfo=UTC))
    if isinstance(started, datetime):
        started_iso = started.isoformat()
    else:
        started_iso, started = started, datetime.fromisoformat(started)
    data: dict[str, Any] = {
        "external_id": f"t-{number:06d}",
        "source": "livechat",
        "started_at": started_iso,
        "ended_at": (started + timedelta(minutes=18)).isoformat(),
        "language": "en",
        "country": "CA",
        "region": "CA-ON",
        "customer": {
            "external_id": f"c-{number}",
            "name": "Ana Silva",
            "email": f"ana{number}@example.ca",
            "phone": "+1 416 555 0199",
        },
        "agents": [{"external_id": "a-7", "name": "Priya"}],
        "messages": [
            {"sender": "customer", "sent_at": started_iso, "text": "Hi, my card was charged twice"},
            {
                "sender": "agent",
                "agent_external_id": "a-7",
                "sent_at": (started + timedelta(minutes=1)).isoformat(),
                "text": "Sorry to hear that! I have refunded the duplicate charge.",
            },
            {
                "sender": "customer",
                "sent_at": (started + timedelta(minutes=2)).isoformat(),
                "text": "Thank you, that was quick",
            },
        ],
        "survey": {"rating": 4, "resolved": True, "comment": "quick", "answers": {}},
        "tags": ["billing"],
    }
    data.update(overrides)
    return data


def make_chat(**overrides: Any) -> Chat:
    chat, _ = chat_import(payload=chat_payload_from_dict(chat_dict(**overrides)))
    return chat
