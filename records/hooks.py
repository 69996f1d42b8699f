"""Hook points owned by records: what other apps must do when records are declared or their
retention changes.

Receivers connect in their app's `receivers.py`; `config/wiring.py` lists every receivers module.
"""

from dataclasses import dataclass
from datetime import datetime

from core.hooks import Hook


@dataclass(frozen=True)
class RecordsDeclared:
    """Records just declared (or whose chat's country was just corrected), as of `now`."""

    record_ids: tuple[int, ...]
    now: datetime


records_declared: Hook[RecordsDeclared, int] = Hook("records.declared")
"""Sent inside the chunk transaction that declared the records, so a declared record is never
without its holds. Each receiver returns how many (hold, record) pairs it added.
Listeners: retention (apply the active legal holds whose scope covers them)."""

record_country_corrected: Hook[RecordsDeclared, int] = Hook("records.country_corrected")
"""Sent inside the transaction of a country correction, after the retention recompute: a hold
scoped by country may now cover the record. Listeners: retention (apply active legal holds;
move the record's disposal items to the summary row of its new country)."""

record_class_corrected: Hook[RecordsDeclared, int] = Hook("records.class_corrected")
"""Sent inside the transaction of a class correction, after the retention recompute.
Listeners: retention (move the record's disposal items to the summary row of its class)."""


@dataclass(frozen=True)
class DispositionsMoved:
    """Live records whose disposition date a recompute just moved, and why."""

    record_ids: tuple[int, ...]
    reason: str


records_disposition_moved: Hook[DispositionsMoved, None] = Hook("records.disposition_moved")
"""Sent inside each recompute chunk's transaction. R-RET-3: a proposed or approved disposal of
a record whose date moved needs a new review. Listeners: retention (withdraw the records'
pending items from open disposal batches)."""
