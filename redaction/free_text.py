"""Redaction of a short text typed by staff (a search query, a feedback comment) before it is
stored: the same detector and placeholders as a chat, over a one-message "chat"."""

from django.utils import timezone

from redaction.detection import chats_detect
from redaction.detection.types import ChatText
from redaction.placeholders import texts_redact

# Staff text is read as an agent's message: no customer identity to match, this year's dates.
STAFF_SENDER = "agent"


def free_text_redact(text: str) -> str:
    """`text` with every personal value replaced by its typed placeholder ("[PERSON_1]")."""
    if not text.strip():
        return text
    chat = ChatText(texts=[text], senders=[STAFF_SENDER], reference_year=timezone.now().year)
    (findings,) = chats_detect([chat])
    (redacted,), _ = texts_redact([text], findings)
    return redacted
