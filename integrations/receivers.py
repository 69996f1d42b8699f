"""What integrations does when other apps' hooks are sent (wired in config/wiring.py)."""

from chats.hooks import chats_imported
from integrations.chat_closed import chats_closed_emit


def connect() -> None:
    # an import batch committed: chat.closed for the imported chats that have ended
    chats_imported.connect(chats_closed_emit)
