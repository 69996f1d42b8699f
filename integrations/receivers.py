"""What integrations does when other apps' hooks are sent (wired in config/wiring.py)."""

from chats.hooks import ChatsImported, ChatsUpdated, chats_imported, chats_updated
from integrations.chat_closed import chats_closed_emit


def chats_closed_by_update_emit(event: ChatsUpdated) -> None:
    """Receiver of `chats.updated`: chat.closed for the chats a later copy ended."""
    chats_closed_emit(ChatsImported(chat_ids=event.ended_chat_ids))


def connect() -> None:
    # an import batch committed: chat.closed for the imported chats that have ended
    chats_imported.connect(chats_closed_emit)
    # a later copy ended an open chat: chat.closed for it too
    chats_updated.connect(chats_closed_by_update_emit)
