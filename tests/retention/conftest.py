from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from chats.models import Chat
from records.file_plan import file_plan_seed
from records.models import Record
from records.services import records_declare
from tests.factories import make_chat

NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def file_plan(db: None) -> None:
    file_plan_seed()


@pytest.fixture
def declared_chat(file_plan: None) -> Callable[..., Chat]:
    """Imports a chat and declares its record as of NOW; returns the chat (with .record)."""

    def factory(**overrides: Any) -> Chat:
        chat = make_chat(**overrides)
        records_declare(now=NOW)
        chat.refresh_from_db()
        return chat

    return factory


@pytest.fixture
def due_records(file_plan: None) -> Callable[[int], list[Record]]:
    """n chats (US unless overridden) that ended in January 2018: due at NOW."""

    def factory(n: int, **overrides: Any) -> list[Record]:
        values = {"country": "US", "region": "", **overrides}
        chats = [
            make_chat(started_at=f"2018-01-{day + 1:02d}T10:00:00+00:00", **values)
            for day in range(n)
        ]
        records_declare(now=NOW)
        return list(Record.objects.filter(chat__in=chats).order_by("pk"))

    return factory
