"""Pure rules of the Record: the one definition of "live".

A live record still carries its chat's content (active, or flagged for want of a disposition);
a disposed or anonymized one is a tombstone of what was. Holds, QA, disposal, purge and erasure
all ask this module, never spell the statuses out again.
"""

from django.db.models import Q

from records.models import RecordStatus

LIVE_STATUSES: tuple[str, ...] = (RecordStatus.ACTIVE, RecordStatus.FLAGGED)


def record_status_is_live(status: str) -> bool:
    return status in LIVE_STATUSES


def records_live_q(*, prefix: str = "") -> Q:
    """A Q true for live records; `prefix` reaches the record through a relation
    (`prefix="record__"` over Chat)."""
    return Q(**{f"{prefix}status__in": LIVE_STATUSES})
