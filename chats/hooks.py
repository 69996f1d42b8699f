"""Hook points owned by chats: what other apps may do when chats arrive or change.

Receivers connect in their app's `receivers.py`; `config/wiring.py` lists every receivers module.
"""

from dataclasses import dataclass
from typing import Any

from core.hooks import Hook


@dataclass(frozen=True)
class ChatsImported:
    """The chats an import batch created (ids in insertion order)."""

    chat_ids: tuple[int, ...]


chats_imported: Hook[ChatsImported, None] = Hook("chats.imported")
"""Sent after an import batch commits (`on_commit`, robust: a broker outage must not undo an
import). Receivers queue follow-up work for the new chats; they must not fail the import.
Listeners: redaction (queue `redact_pii` for the new chats), integrations (`chat.closed` for
the new chats that have ended, `integrations.chat_closed.chats_closed_emit`)."""


@dataclass(frozen=True)
class ChatsCountryChanged:
    """Chats whose country (and so their jurisdiction) changed, and why."""

    chat_ids: tuple[int, ...]
    reason: str


chat_country_changed: Hook[ChatsCountryChanged, object] = Hook("chats.country_changed")
"""Sent inside the transaction that changed the chats' country, so what follows from it commits
with it or not at all. Listeners: records (recompute the retention of the chats' records,
R-RET-3), retention (move their disposal items to the summary row of the new country)."""


@dataclass(frozen=True)
class ChatExtrasQuery:
    """The chats of one page or export chunk whose extra keys are asked for."""

    chat_ids: tuple[int, ...]


@dataclass(frozen=True)
class ChatExtra:
    """One extra key of a chat's API/export view: `values` by chat id, `default` for the rest."""

    key: str
    values: dict[int, Any]
    default: Any = None


chat_extras_collect: Hook[ChatExtrasQuery, ChatExtra | tuple[ChatExtra, ...]] = Hook(
    "chats.extras_collect"
)
"""Asked when chats are shown through the API, the pages or `export_chats`: each receiver
answers for all the chats of the page at once (one query per receiver, never one per chat),
with one extra or, when one query reads several keys, a tuple of them (in key order).
Listeners: retention (`record`: id, class, status, due date, holds), knowledgebase (`sentiment`,
`satisfaction`, `keywords`)."""


@dataclass(frozen=True)
class ChatsUpdated:
    """Chats completed by a later copy from their source (SPEC §3), and those of them that
    ended through it."""

    chat_ids: tuple[int, ...]
    ended_chat_ids: tuple[int, ...] = ()


chats_updated: Hook[ChatsUpdated, None] = Hook("chats.updated")
"""Sent after the import batch that updated the chats commits (`on_commit`, robust, like
`chats.imported`). The chats' redaction layer is marked stale by the import; receivers redo
what derives from the text. Listeners: redaction (queue `redact_pii` for the chats; the
knowledge base re-analyses a chat whose `redacted_at` changed), integrations (`chat.closed` for
`ended_chat_ids`)."""
