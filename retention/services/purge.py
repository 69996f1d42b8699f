"""purge_pii_originals (R-PII-4): destroy original text once the schedule's PII period passed.

A record of unknown country is purged at the longest PII period of any schedule of its class
(it stays flagged, never disposed); when no schedule could say, its originals are kept and the
job reports how many (`unknown_country_kept`).

Invariants: only records that are live, unheld, past `pii_purge_due` and whose chat has a
redacted layer on every message are purged (records_purge_originals checks holds and layers
again under lock); each chunk is its own transaction; a purged record has `pii_purged_at` set
and drops out of the selector, so a re-run purges nothing twice and an interrupted run resumes.
Blocked records of known country (a pending QA review: retention.selectors.records_purge_blocked_q)
are never selected and are re-checked under lock. Due-ness is decided as of
`clock_destruction_moment(now)`: never later than the real clock unless the simulated clock is
allowed, so a future `now` purges nothing early.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from audit.services import audit_event_record
from core.clock import clock_destruction_moment
from retention.selectors import (
    records_due_for_pii_purge,
    records_unknown_country_originals_kept,
)
from retention.services.destruction import records_purge_originals

logger = logging.getLogger(__name__)

PURGE_CHUNK_SIZE = 1000


@dataclass
class PurgeSummary:
    purged: int = 0
    held: int = 0
    not_redacted: int = 0
    blocked: int = 0
    # Unknown-country records whose originals no schedule lets us purge (kept, fail closed).
    unknown_country_kept: int = 0


def pii_originals_purge(*, now: datetime, chunk_size: int = PURGE_CHUNK_SIZE) -> PurgeSummary:
    summary = PurgeSummary()
    due_at = clock_destruction_moment(now)
    last_pk = 0
    while True:
        ids = list(
            records_due_for_pii_purge(now=due_at)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        result = records_purge_originals(record_ids=ids, now=now)
        summary.purged += len(result.destroyed)
        summary.held += len(result.held)
        summary.not_redacted += len(result.not_redacted)
        summary.blocked += len(result.blocked)
        last_pk = ids[-1]
        if len(ids) < chunk_size:
            break
    summary.unknown_country_kept = records_unknown_country_originals_kept().count()
    if summary.purged:
        audit_event_record(
            actor=None,
            action="pii.originals_purged",
            target_type="records.record",
            data={"records": summary.purged, "held": summary.held},
            as_of=now,
        )
    logger.info("purge_pii_originals: %s", summary)
    return summary
