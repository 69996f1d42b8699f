"""What redaction does when something happens elsewhere: newly imported chats are redacted
promptly, not only at the next scheduled run."""

from django.conf import settings

from chats.hooks import ChatsImported, chats_imported
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


def connect() -> None:
    chats_imported.connect(redaction_enqueue_after_import)
