"""What qa answers when retention asks: a record waiting for its QA review is neither disposed
of nor purged yet (R-QA-2)."""

from django.db.models import Q

from qa.selectors import QA_REVIEW_PENDING_BLOCK, qa_review_pending_q
from retention.hooks import BlockQuery, record_destruction_blocks


def qa_review_pending_block(query: BlockQuery) -> tuple[str, Q]:
    """Receiver of `record_destruction_blocks`: (reason, Q over Record) of a pending review."""
    return QA_REVIEW_PENDING_BLOCK, qa_review_pending_q()


def connect() -> None:
    record_destruction_blocks.connect(qa_review_pending_block)
