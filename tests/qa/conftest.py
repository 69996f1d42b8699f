from collections.abc import Callable
from typing import Any

import pytest

from chats.models import Chat
from qa.models import QAReview
from qa.services import qa_reviews_sample
from tests.retention.conftest import NOW, declared_chat, due_records, file_plan  # noqa: F401


def no_country(**overrides: Any) -> dict[str, Any]:
    """Interchange overrides for a chat with nothing to infer a country from."""
    return {
        "country": "",
        "region": "",
        "customer": {"external_id": f"nc-{overrides.get('n', 0)}", "name": "Sam Doe"},
        "agents": [{"external_id": "a-x", "name": "Lee"}],
        "messages": [
            {"sender": "customer", "sent_at": "2018-01-01T10:00:00+00:00", "text": "Hello"},
            {
                "sender": "agent",
                "agent_external_id": "a-x",
                "sent_at": "2018-01-01T10:01:00+00:00",
                "text": "Hi, how can I help?",
            },
        ],
    }


@pytest.fixture
def queued_review(declared_chat: Callable[..., Chat]) -> Callable[..., QAReview]:  # noqa: F811
    """Declares a chat and queues its record for QA (rate 1: every new record is sampled)."""

    def factory(**overrides: Any) -> QAReview:
        chat = declared_chat(**overrides)
        qa_reviews_sample(now=NOW, rate=1.0)
        return QAReview.objects.select_related("record__chat").get(record__chat=chat)

    return factory
