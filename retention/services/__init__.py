"""Retention services (writes). Split by concern; import from the submodules or from here."""

from retention.services.destruction import (
    CHAT_DESTRUCTION_HOOKS,
    DestructionResult,
    record_destroy,
    records_destroy,
    records_purge_originals,
)
from retention.services.disposal import (
    DISPOSAL_CHUNK_SIZE,
    disposal_batch_approve,
    disposal_batch_execute,
    disposal_batch_reject,
    disposal_batches_build,
    disposal_batches_execute,
    disposal_item_exclude,
    records_destroy_certified,
)
from retention.services.events import (
    customer_event_names,
    customer_event_record,
    customer_event_withdraw,
)
from retention.services.holds import (
    hold_scope_preview,
    hold_scope_preview_details,
    legal_hold_place,
    legal_hold_release,
    legal_holds_apply,
)
from retention.services.purge import pii_originals_purge
from retention.services.reviews import record_review_decide

__all__ = [
    "CHAT_DESTRUCTION_HOOKS",
    "DISPOSAL_CHUNK_SIZE",
    "DestructionResult",
    "customer_event_names",
    "customer_event_record",
    "customer_event_withdraw",
    "disposal_batch_approve",
    "disposal_batch_execute",
    "disposal_batch_reject",
    "disposal_batches_build",
    "disposal_batches_execute",
    "disposal_item_exclude",
    "hold_scope_preview",
    "hold_scope_preview_details",
    "legal_hold_place",
    "legal_hold_release",
    "legal_holds_apply",
    "pii_originals_purge",
    "record_destroy",
    "record_review_decide",
    "records_destroy",
    "records_destroy_certified",
    "records_purge_originals",
]
