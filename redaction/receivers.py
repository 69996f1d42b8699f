"""What redaction does when something happens elsewhere: newly imported chats are redacted
promptly, not only at the next scheduled run."""

from django.conf import settings

from chats.hooks import ChatsImported, ChatsUpdated, chats_imported, chats_updated
from redaction.services import REDACTION_CHUNK_SIZE
from redaction.tasks import redact_chats_task


def redaction_enqueue_after_import(event: ChatsImported) -> None:
    """Receiver of `chats_imported` (after the batch commits, so the rows are visible): queues
    `redact_pii` for the new chats, one task per redaction chunk."""
    chat_ids = list(event.chat_ids)
    if not settings.REDACT_ON_IMPORT or not chat_ids:
        return
    for start in range(0, len(chat_ids), REDACTION_CHUNK_SIZE):
        redact_chats_task.delay(chat_ids=chat_ids[start : start + REDACTION_CHUNK_SIZE])


def redaction_enqueue_after_update(event: ChatsUpdated) -> None:
    """Receiver of `chats_updated`: the import marked the chats' layer stale; it is redone
    promptly (the knowledge base follows the new `redacted_at` at its next run)."""
    redaction_enqueue_after_import(ChatsImported(chat_ids=event.chat_ids))


def connect() -> None:
    chats_imported.connect(redaction_enqueue_after_import)
    chats_updated.connect(redaction_enqueue_after_update)
