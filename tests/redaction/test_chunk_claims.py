"""Chunks claimed by redaction workers: full chunks while the backlog is long, smaller ones near
its end, so that parallel workers finish together (issue #15, two workers >= 1.8x one)."""

from datetime import UTC, datetime

import pytest

from chats.models import Chat
from redaction import services
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ONE_LINE = [{"sender": "customer", "sent_at": "2025-03-01T14:02:00Z", "text": "hello"}]


@pytest.fixture
def backlog(settings) -> int:
    settings.REDACT_ON_IMPORT = False
    for _ in range(30):
        make_chat(messages=ONE_LINE)
    return 30


def test_a_long_backlog_is_claimed_in_full_chunks(backlog) -> None:
    _, claimed = services.chats_redact_chunk(now=NOW, chunk_size=6)
    assert claimed == 6  # 30 pending >= 4 chunks ahead


def test_the_end_of_a_backlog_is_claimed_in_smaller_chunks(backlog) -> None:
    _, claimed = services.chats_redact_chunk(now=NOW, chunk_size=20)
    assert claimed == 8  # a quarter of the 30 left, rounded up
    assert Chat.objects.filter(redacted_at__isnull=True).count() == 22


def test_small_chunks_never_go_below_the_minimum(backlog) -> None:
    Chat.objects.filter(pk__in=Chat.objects.order_by("pk").values("pk")[:24]).update(
        redacted_at=NOW
    )
    _, claimed = services.chats_redact_chunk(now=NOW, chunk_size=20)
    assert claimed == services.TAIL_CHUNK_MIN


def test_a_run_still_redacts_the_whole_backlog_and_stops(backlog) -> None:
    total = services.chats_redact(now=NOW, chunk_size=20)
    assert total.chats == backlog
    assert not Chat.objects.filter(redacted_at__isnull=True).exists()
