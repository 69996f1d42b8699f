"""Closing chats the source never closed (close_idle_chats job, issue #12)."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat, Message
from core.batching import chunks_process, rows_after
from core.db import history as db_history

logger = logging.getLogger(__name__)

CLOSE_IDLE_CHUNK_SIZE = 500


def chats_idle_open(*, now: datetime) -> "QuerySet[Chat]":
    """Open chats (no ended_at) whose last message, or start when they have none, is at least
    CHAT_AUTO_CLOSE_DAYS before `now`; annotated with that moment as `last_activity_at`."""
    cutoff = now - timedelta(days=settings.CHAT_AUTO_CLOSE_DAYS)
    last_message = Subquery(
        Message.objects.filter(chat=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
    )
    return (
        Chat.objects.filter(ended_at__isnull=True)
        .annotate(last_activity_at=Coalesce(last_message, F("started_at")))
        .filter(last_activity_at__lte=cutoff)
    )


def chats_close_idle(*, now: datetime, chunk_size: int = CLOSE_IDLE_CHUNK_SIZE) -> int:
    """Closes every idle open chat at its last message.

    A chat the source never closed would otherwise never be declared, purged or disposed. Its
    end is the moment of its last message (its start when it has none), never `now`: retention
    counts from when the conversation really ended. Each chunk is one transaction (rows claimed
    with skip_locked); the reason is kept in the chat's history; the run is audited with its
    count. Re-running is harmless: a closed chat is no longer open.
    """
    days = settings.CHAT_AUTO_CLOSE_DAYS
    idle = chats_idle_open(now=now).select_for_update(skip_locked=True, of=("self",))

    def close(chats: Sequence[Chat]) -> None:
        for chat in chats:
            last_activity_at: datetime = getattr(chat, "last_activity_at")  # noqa: B009 - annotated
            chat.ended_at = max(last_activity_at, chat.started_at)
        # Looked up at call time, so a test can interrupt a run mid-way.
        db_history.rows_update_with_history(
            Chat,
            list(chats),
            ["ended_at"],
            reason=f"auto-closed: idle {days} days after its last message",
            when=timezone.now(),
        )

    run = chunks_process(
        claim=lambda after: rows_after(idle, after, chunk_size),
        process=close,
        chunk_size=chunk_size,
        label="close_idle_chats",
    )
    closed = run.items
    if closed:
        audit_event_record(
            actor=None,
            action="chats.auto_closed",
            target_type="chats.chat",
            data={"closed": closed, "idle_days": days, "as_of": now.isoformat()},
        )
    logger.info("close_idle_chats: %d chats closed (idle %d days)", closed, days)
    return closed
