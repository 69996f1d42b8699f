"""Hook points owned by retention: what may hold or block a record's destruction, and what other
apps must do when chats are destroyed.

Receivers connect in their app's `receivers.py`; `config/wiring.py` lists every receivers module.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from core.hooks import Hook


@dataclass(frozen=True)
class HoldQuery:
    """Asks receivers for the records they hold. `exempt_subject_request_ids` are requests whose
    own hold does not count for this question: an erasure must not be stopped by the very
    request it answers (other requests and legal holds still hold). The erasure builds it and
    passes it down explicitly (records_destruction_facts, records_destroy_certified,
    records_destroy: their `hold=` parameter); every other path asks with the empty query."""

    exempt_subject_request_ids: frozenset[int] = field(default_factory=frozenset)


record_hold_conditions: Hook[HoldQuery, Q] = Hook("retention.record_hold_conditions")
"""Asked whenever a destructive path decides what is held (batch build, execution, purge,
erasure). Each receiver returns a Q over Record, true for the live records it holds beside legal
holds. Listeners: privacy (an open data-subject request holds the person's chats, R-HOLD-2)."""


@dataclass(frozen=True)
class BlockQuery:
    """Asks receivers for the records that must wait before any destruction."""


record_destruction_blocks: Hook[BlockQuery, tuple[str, Q]] = Hook(
    "retention.record_destruction_blocks"
)
"""Asked with the hold question. Each receiver returns (reason, Q over Record): records that may
be neither disposed of nor purged yet, and the reason a skipped item and the purge report give.
Listeners: qa (a record waiting for its QA review, R-QA-2)."""


@dataclass(frozen=True)
class RecordsDestroyed:
    """Records whose status was just set to `status` (disposed or anonymized): no longer live,
    for good (a destroyed record is never live again)."""

    record_ids: tuple[int, ...]
    status: str


records_destroyed: Hook[RecordsDestroyed, None] = Hook("retention.records_destroyed")
"""Sent inside the destruction transaction, right after the records' status was written: the one
write that takes a record out of live status (retention.services.destruction, which disposal
execution, transfer and data-subject erasure all go through). Whatever another app keeps about a
record being live is cleared with it, or the destruction rolls back.
Listeners: qa (the records' reviews leave the QA queue: QAReview.record_live)."""


@dataclass(frozen=True)
class ChatsDestroyed:
    """Chats whose content was just destroyed (`anonymized`: the redacted text was kept)."""

    chat_ids: tuple[int, ...]
    anonymized: bool


chats_destroyed: Hook[ChatsDestroyed, None] = Hook("retention.chats_destroyed")
"""Sent inside the destruction transaction, before its certificate is written: whatever another
app derived from the chats' text goes with it, or the destruction rolls back.
Listeners: knowledgebase (drop the chats' search documents and vectors)."""
