"""purge_pii_originals (R-PII-4): destroy original text once the schedule's PII period passed.

`records_purge_originals` requires a redacted layer on every message: the only copy of a text is
never destroyed before a redacted copy exists. It locks the records and drops the held ones
(retention.rules.record_destruction_refusal) and the blocked ones
(retention.selectors.record_ids_purge_blocked: a pending QA review of a known-country record);
the messages' `original_purged_at` and the record's `pii_purged_at` are the real clock.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Message, SenderRole, Survey
from core.batching import chunks_process, ids_after
from core.clock import clock_destruction_moment
from core.db import any_of, history_copy
from records.models import Record
from retention.selectors import (
    record_ids_purge_blocked,
    records_due_for_pii_purge,
    records_unknown_country_originals_kept,
)
from retention.services.chat_content import (
    chats_source_documents_destroy,
    chats_tags_destroy,
    customers_old_identities_purge,
)
from retention.services.destruction import (
    DestructionResult,
    LockedRecord,
    records_lock_destroyable,
)

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


def _chats_unredacted(chat_ids: list[int]) -> set[int]:
    """Chats some text of which has no redacted layer yet (a message, the survey comment or
    answers)."""
    return (
        set(
            Message.objects.filter(
                any_of("chat_id", chat_ids), text_redacted__isnull=True
            ).values_list("chat_id", flat=True)
        )
        | set(
            Survey.objects.filter(any_of("chat_id", chat_ids), comment_redacted__isnull=True)
            .exclude(comment="")
            .values_list("chat_id", flat=True)
        )
        | set(
            Survey.objects.filter(any_of("chat_id", chat_ids), answers_redacted__isnull=True)
            .exclude(answers={})
            .values_list("chat_id", flat=True)
        )
    )


def records_purge_originals(*, record_ids: Iterable[int], now: datetime) -> DestructionResult:
    """Destroys the original text of live, unheld, unblocked records whose every message has a
    redacted layer; the redacted text stays (R-PII-4). Stamped with the real time."""
    with transaction.atomic():
        stamp = timezone.now()
        ids = sorted(set(record_ids))
        not_purged = set(
            Record.objects.filter(any_of("pk", ids), pii_purged_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        records, result = records_lock_destroyable(ids)
        records = [r for r in records if r.pii_purged_at is None]
        # A record purged already is neither held nor blocked: it is done.
        result.held = [pk for pk in result.held if pk in not_purged]
        blocked = record_ids_purge_blocked([record.pk for record in records])
        records = [record for record in records if record.pk not in blocked]
        chat_ids = [record.chat_id for record in records if record.redacted_at is not None]
        unredacted_chats = _chats_unredacted(chat_ids)
        ready = [
            r for r in records if r.redacted_at is not None and r.chat_id not in unredacted_chats
        ]
        result.not_redacted = sorted({r.pk for r in records} - {r.pk for r in ready})
        result.blocked = sorted(blocked)
        if not ready:
            return result
        _originals_destroy(ready, stamp=stamp)
        result.destroyed = [record.pk for record in ready]
        return result


def _originals_destroy(ready: Sequence[LockedRecord], *, stamp: datetime) -> None:
    chat_ids = [record.chat_id for record in ready]
    Message.objects.filter(any_of("chat_id", chat_ids), original_purged_at__isnull=True).update(
        text="", attachments=[], original_purged_at=stamp
    )
    Message.objects.filter(any_of("chat_id", chat_ids), sender=SenderRole.CUSTOMER).update(
        author_name=""
    )
    Survey.objects.filter(any_of("chat_id", chat_ids)).update(comment="", answers={})
    chats_tags_destroy(chat_ids, keep_redacted=True)
    chats_source_documents_destroy(chat_ids)
    customers_old_identities_purge(r.customer_id for r in ready if r.customer_id is not None)
    ready_ids = [r.pk for r in ready]
    Record.objects.filter(any_of("pk", ready_ids)).update(pii_purged_at=stamp)
    history_copy(Record, ready_ids, when=timezone.now(), reason="original text purged")


def pii_originals_purge(*, now: datetime, chunk_size: int = PURGE_CHUNK_SIZE) -> PurgeSummary:
    summary = PurgeSummary()
    due_at = clock_destruction_moment(now)

    def purge(ids: Sequence[int]) -> None:
        result = records_purge_originals(record_ids=ids, now=now)
        summary.purged += len(result.destroyed)
        summary.held += len(result.held)
        summary.not_redacted += len(result.not_redacted)
        summary.blocked += len(result.blocked)

    # records_purge_originals owns its transaction per chunk (atomic=False: the claim is a
    # plain read, re-checked under lock by the purge).
    chunks_process(
        claim=lambda after: ids_after(records_due_for_pii_purge(now=due_at), after, chunk_size),
        process=purge,
        chunk_size=chunk_size,
        atomic=False,
        label="purge_pii_originals",
    )
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
