"""What qa answers when retention asks or tells: a record waiting for its QA review is neither
disposed of nor purged yet (R-QA-2); a destroyed record's review leaves the queue (issue #19)."""

from django.db.models import Q

from qa.selectors import QA_REVIEW_PENDING_BLOCK, qa_review_pending_q
from qa.services import qa_reviews_records_gone
from retention.hooks import (
    BlockQuery,
    RecordsDestroyed,
    record_destruction_blocks,
    records_destroyed,
)


def qa_review_pending_block(query: BlockQuery) -> tuple[str, Q]:
    """Receiver of `record_destruction_blocks`: (reason, Q over Record) of a pending review."""
    return QA_REVIEW_PENDING_BLOCK, qa_review_pending_q()


def qa_reviews_leave_queue(event: RecordsDestroyed) -> None:
    """Receiver of `records_destroyed`, inside the destruction transaction: the records' reviews
    are no longer counted or offered by the queue (QAReview.record_live)."""
    qa_reviews_records_gone(event.record_ids)


def connect() -> None:
    record_destruction_blocks.connect(qa_review_pending_block)
    records_destroyed.connect(qa_reviews_leave_queue)
