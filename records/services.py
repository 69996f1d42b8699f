"""Correcting records (R-REC-2, R-RET-3) and verifying their transcripts; declaring them is
records.declare (re-exported here: `records_declare`, `chat_summaries`, `DeclareSummary`).
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from chats.digests import chats_transcript_digests
from chats.models import CountrySource
from core.batching import chunks_process
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from records.declare import DeclareSummary, chat_summaries, records_declare
from records.hooks import RecordsDeclared, record_class_corrected, record_country_corrected
from records.models import Record, RecordClass
from records.recompute import records_retention_recompute
from records.rules import records_live_q

__all__ = [
    "DeclareSummary",
    "chat_summaries",
    "record_class_correct",
    "record_country_correct",
    "records_declare",
    "transcripts_verify",
]

logger = logging.getLogger(__name__)

COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def _live_record(record: Record) -> Record:
    record = Record.objects.select_for_update().select_related("chat").get(pk=record.pk)
    if not record.is_live:
        raise ConflictError(
            f"Record {record.pk} is {record.status} and cannot change",
            extra={"record": record.pk},
        )
    return record


@transaction.atomic
def record_country_correct(
    *,
    record: Record,
    country: str,
    region: str,
    corrected_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> Record:
    """Sets a record's chat country/region as verified (QA) and recomputes its retention."""
    country, region = (country or "").strip().upper(), (region or "").strip().upper()
    if not COUNTRY_RE.match(country):
        raise ApplicationError(
            "country must be an ISO 3166-1 alpha-2 code", extra={"field": "country"}
        )
    if region and (not REGION_RE.match(region) or not region.startswith(country + "-")):
        raise ApplicationError(
            f"region must be an ISO 3166-2 code of {country}", extra={"field": "region"}
        )
    if not reason.strip():
        raise ApplicationError("A correction needs a reason", extra={"field": "reason"})
    moment = now or timezone.now()
    record = _live_record(record)
    chat = record.chat
    before = {"country": chat.country, "region": chat.region}
    chat.country, chat.region = country, region
    chat.country_source, chat.country_confidence = CountrySource.QA_VERIFIED, 1.0
    history_note(chat, user=corrected_by, reason=reason)
    chat.save(update_fields=["country", "region", "country_source", "country_confidence"])
    records_retention_recompute(
        record_ids=[record.pk],
        now=moment,
        reason=f"country corrected: {reason.strip()}",
        changed_by=corrected_by,
    )
    record_country_corrected.send(RecordsDeclared(record_ids=(record.pk,), now=moment))
    audit_event_record(
        actor=corrected_by,
        action="record.country_corrected",
        target=record,
        data={
            "before": before,
            "after": {"country": country, "region": region},
            "reason": reason.strip(),
        },
    )
    return Record.objects.select_related("chat", "schedule", "record_class").get(pk=record.pk)


@transaction.atomic
def record_class_correct(
    *,
    record: Record,
    record_class: RecordClass,
    corrected_by: User | None,
    reason: str,
    now: datetime | None = None,
) -> Record:
    if not reason.strip():
        raise ApplicationError("A correction needs a reason", extra={"field": "reason"})
    record = _live_record(record)
    before = record.record_class.code
    record.record_class = record_class
    history_note(record, user=corrected_by, reason=reason)
    record.save(update_fields=["record_class"])
    records_retention_recompute(
        record_ids=[record.pk],
        now=now or timezone.now(),
        reason=f"record class corrected: {reason.strip()}",
        changed_by=corrected_by,
    )
    record_class_corrected.send(RecordsDeclared(record_ids=(record.pk,), now=now or timezone.now()))
    audit_event_record(
        actor=corrected_by,
        action="record.class_corrected",
        target=record,
        data={"before": before, "after": record_class.code, "reason": reason.strip()},
    )
    return Record.objects.select_related("chat", "schedule", "record_class").get(pk=record.pk)


VERIFY_CHUNK_SIZE = 500


@dataclass
class TranscriptsVerifySummary:
    checked: int = 0
    originals_checked: int = 0
    redacted_checked: int = 0
    changed: list[str] = field(default_factory=list)  # one line per record whose content changed
    no_digest: list[int] = field(default_factory=list)  # declared before digests existed


def transcripts_verify(
    *, now: datetime, chunk_size: int = VERIFY_CHUNK_SIZE
) -> TranscriptsVerifySummary:
    """Re-hashes every live declared transcript against its digests (verify_transcripts job).

    The original layer is checked against `Record.transcript_sha256` (taken at declaration)
    while the originals exist; the redacted layer against `Chat.redacted_sha256` (taken when the
    redaction service wrote it) for as long as the record lives — see chats.digests. Chunked by
    record id, three queries a chunk; read-only but for one `transcript.tampered` audit event
    per record whose content changed (the alert), with the layers that changed.
    """
    summary = TranscriptsVerifySummary()
    rows_query = Record.objects.filter(records_live_q()).values_list(
        "pk",
        "chat_id",
        "transcript_sha256",
        "pii_purged_at",
        "chat__redacted_sha256",
        "chat__source",
        "chat__external_id",
    )

    def claim(after: tuple[Any, ...] | None) -> list[tuple[Any, ...]]:
        queryset = rows_query if after is None else rows_query.filter(pk__gt=after[0])
        return list(queryset.order_by("pk")[:chunk_size])

    def verify(rows: Sequence[tuple[Any, ...]]) -> None:
        originals = [row[1] for row in rows if row[3] is None and row[2]]
        redacted = [row[1] for row in rows if row[4]]
        original_now = chats_transcript_digests(originals, layer="original") if originals else {}
        redacted_now = chats_transcript_digests(redacted, layer="redacted") if redacted else {}
        for pk, chat_id, original_sha, purged_at, redacted_sha, source, external_id in rows:
            summary.checked += 1
            if purged_at is None and not original_sha:
                summary.no_digest.append(pk)
            layers = []
            if chat_id in original_now:
                summary.originals_checked += 1
                if original_now[chat_id] != original_sha:
                    layers.append("original")
            if chat_id in redacted_now:
                summary.redacted_checked += 1
                if redacted_now[chat_id] != redacted_sha:
                    layers.append("redacted")
            if not layers:
                continue
            line = (
                f"record {pk} (chat {source}:{external_id}): {' and '.join(layers)} text "
                "changed since it was declared"
            )
            summary.changed.append(line)
            logger.error("verify_transcripts: %s", line)
            audit_event_record(
                actor=None,
                action="transcript.tampered",
                target_type="records.record",
                target_id=str(pk),
                data={"chat": chat_id, "layers": layers, "as_of": now.isoformat()},
            )

    # Read-only: no transaction (the audit service opens its own).
    chunks_process(
        claim=claim, process=verify, chunk_size=chunk_size, atomic=False, label="verify_transcripts"
    )
    logger.info(
        "verify_transcripts: %d records, %d changed, %d without a digest",
        summary.checked,
        len(summary.changed),
        len(summary.no_digest),
    )
    return summary
