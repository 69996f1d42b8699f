"""Retention's listeners to other apps' hooks (wired by `config/wiring.py`)."""

from chats.hooks import chat_extras_collect
from records.hooks import (
    DispositionsMoved,
    RecordsDeclared,
    record_country_corrected,
    records_declared,
    records_disposition_moved,
)
from retention.models import OPEN_BATCH_STATES, DisposalItem, ItemStatus
from retention.record_selectors import chat_record_extra
from retention.services.holds import legal_holds_apply


def record_holds_apply(event: RecordsDeclared) -> int:
    """A declared (or re-localised) record is covered by every active hold whose scope it
    falls in, in the same transaction."""
    return legal_holds_apply(record_ids=list(event.record_ids), now=event.now)


def disposal_items_withdraw_moved(event: DispositionsMoved) -> None:
    """R-RET-3: a proposed or approved disposal of a record whose date moved needs a new
    review, so its pending item leaves the open batch."""
    DisposalItem.objects.filter(
        record_id__in=event.record_ids,
        status=ItemStatus.PENDING,
        batch__state__in=OPEN_BATCH_STATES,
    ).update(status=ItemStatus.WITHDRAWN, reason=f"retention recomputed: {event.reason}"[:500])


def connect() -> None:
    records_declared.connect(record_holds_apply)
    record_country_corrected.connect(record_holds_apply)
    records_disposition_moved.connect(disposal_items_withdraw_moved)
    chat_extras_collect.connect(chat_record_extra)
