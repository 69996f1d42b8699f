"""Privacy's listeners to other apps' hooks (wired in config/wiring.py)."""

from privacy.selectors import subject_request_hold_q
from retention.hooks import record_hold_conditions


def connect() -> None:
    # R-HOLD-2: an open data-subject request holds the person's chats.
    record_hold_conditions.connect(subject_request_hold_q)
