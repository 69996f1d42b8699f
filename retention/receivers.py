"""Retention's listeners to other apps' hooks (wired by `config/wiring.py`)."""

from django.db.models import Q

from chats.hooks import ChatsCountryChanged, chat_country_changed, chat_extras_collect
from records.hooks import (
    DispositionsMoved,
    RecordsDeclared,
    record_class_corrected,
    record_country_corrected,
    records_declared,
    records_disposition_moved,
)
from retention.models import OPEN_BATCH_STATES, ItemStatus
from retention.record_selectors import chat_record_extra
from retention.services.disposal.summary import (
    ItemsMove,
    disposal_items_move,
    disposal_items_regroup,
)
from retention.services.holds import legal_holds_apply


def record_holds_apply(event: RecordsDeclared) -> int:
    """A declared (or re-localised) record is covered by every active hold whose scope it
    falls in, in the same transaction."""
    return legal_holds_apply(record_ids=list(event.record_ids), now=event.now)


def disposal_items_withdraw_moved(event: DispositionsMoved) -> None:
    """R-RET-3: a proposed or approved disposal of a record whose date moved needs a new
    review, so its pending item leaves the open batch."""
    disposal_items_move(
        [
            ItemsMove(
                items=Q(record_id__in=event.record_ids, batch__state__in=OPEN_BATCH_STATES),
                status=ItemStatus.WITHDRAWN,
                fields={"reason": f"retention recomputed: {event.reason}"[:500]},
            )
        ]
    )


def disposal_items_regroup_records(event: RecordsDeclared) -> int:
    """A corrected record's items move to the summary row of its class and country now."""
    return disposal_items_regroup(record_ids=event.record_ids)


def disposal_items_regroup_chats(event: ChatsCountryChanged) -> int:
    """The items of the records of chats whose country changed move with it."""
    return disposal_items_regroup(chat_ids=event.chat_ids)


def connect() -> None:
    records_declared.connect(record_holds_apply)
    record_country_corrected.connect(record_holds_apply)
    record_country_corrected.connect(disposal_items_regroup_records)
    record_class_corrected.connect(disposal_items_regroup_records)
    chat_country_changed.connect(disposal_items_regroup_chats)
    records_disposition_moved.connect(disposal_items_withdraw_moved)
    chat_extras_collect.connect(chat_record_extra)
