"""Hook points owned by chats: what other apps may do when chats arrive or change.

Receivers connect in their app's `receivers.py`; `config/wiring.py` lists every receivers module.
"""

from dataclasses import dataclass

from core.hooks import Hook


@dataclass(frozen=True)
class ChatsImported:
    """The chats an import batch created (ids in insertion order)."""

    chat_ids: tuple[int, ...]


chats_imported: Hook[ChatsImported, None] = Hook("chats.imported")
"""Sent after an import batch commits (`on_commit`, robust: a broker outage must not undo an
import). Receivers queue follow-up work for the new chats; they must not fail the import.
Listeners: redaction (queue `redact_pii` for the new chats)."""


@dataclass(frozen=True)
class ChatsCountryChanged:
    """Chats whose country (and so their jurisdiction) changed, and why."""

    chat_ids: tuple[int, ...]
    reason: str


chat_country_changed: Hook[ChatsCountryChanged, object] = Hook("chats.country_changed")
"""Sent inside the transaction that changed the chats' country, so what follows from it commits
with it or not at all. Listeners: records (recompute the retention of the chats' records,
R-RET-3)."""
