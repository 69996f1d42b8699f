"""Newly imported chats are redacted promptly, not only at the next scheduled run."""

from django.conf import settings

from redaction.services import REDACTION_CHUNK_SIZE
from redaction.tasks import redact_chats_task


def redaction_enqueue_after_import(chat_ids: list[int]) -> None:
    """Called by chats.services after an import batch commits (so the rows are visible)."""
    if not settings.REDACT_ON_IMPORT or not chat_ids:
        return
    for start in range(0, len(chat_ids), REDACTION_CHUNK_SIZE):
        redact_chats_task.delay(chat_ids=chat_ids[start : start + REDACTION_CHUNK_SIZE])
