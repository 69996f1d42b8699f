"""Declaring records and correcting them (R-REC-1, R-REC-2, R-RET-3).

declare_records invariants: one Record per closed chat (the one-to-one key enforces it even
against a concurrent run; candidates are claimed with select_for_update(skip_locked)); each
chunk is one transaction that declares, locks the transcript, computes retention and sends
`records.hooks.records_declared` (retention applies the active legal holds) together, so a
declared record is never without its holds. A chat no active
rule matches is left undeclared (and so never disposed) and reported. One chat that fails never
stops the run (issue #12): its chunk is retried chat by chat in savepoints (core.isolation), the
others are declared, it is counted in `failed` and declared by a later run.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import audit_event_record
from chats.digests import chats_transcript_digests
from chats.models import Chat, CountrySource, SenderRole, Survey
from chats.selectors import transcript_lines
from core.batching import chunks_process, rows_after
from core.db import history_write, tables_analyze_after_bulk
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from core.isolation import chunk_process_isolated
from outbox.services import webhook_events_emit
from records.hooks import RecordsDeclared, record_country_corrected, records_declared
from records.models import DeclarationRule, Record, RecordClass
from records.recompute import records_retention_fill, records_retention_recompute
from records.rules import ChatSummary, declaration_rule_first, records_live_q

logger = logging.getLogger(__name__)

DECLARE_CHUNK_SIZE = 500
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


@dataclass
class DeclareSummary:
    declared: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    undeclared: list[int] = field(default_factory=list)  # chat ids no rule matched
    holds_applied: int = 0
    failed: list[int] = field(default_factory=list)  # chat ids isolated this run (issue #12)

    def add(self, other: "DeclareSummary") -> None:
        self.declared += other.declared
        for code, n in other.by_class.items():
            self.by_class[code] = self.by_class.get(code, 0) + n
        self.undeclared.extend(other.undeclared)
        self.holds_applied += other.holds_applied


def chats_to_declare(*, now: datetime) -> "Q":
    return Q(ended_at__isnull=False, ended_at__lte=now, record__isnull=True)


def chat_summaries(chats: list[Chat], *, need_text: bool) -> dict[int, ChatSummary]:
    """What declaration rules look at, for many chats in a few queries."""
    ids = [chat.pk for chat in chats]
    counts: dict[tuple[int, str], int] = {}
    for row in (
        # The conversation only: an agent's internal note is not taking part in it.
        transcript_lines()
        .filter(chat_id__in=ids)
        .values("chat_id", "sender")
        .annotate(n=Count("pk"))
    ):
        counts[(row["chat_id"], row["sender"])] = row["n"]
    texts: dict[int, list[str]] = {chat_id: [] for chat_id in ids}
    if need_text:
        lines = transcript_lines().filter(chat_id__in=ids)
        for chat_id, text in lines.values_list("chat_id", "text"):
            texts[chat_id].append(text)
        for chat_id, comment in Survey.objects.filter(chat_id__in=ids).values_list(
            "chat_id", "comment"
        ):
            texts[chat_id].append(comment)
    return {
        chat.pk: ChatSummary(
            source=chat.source,
            country=chat.country,
            customer_messages=counts.get((chat.pk, SenderRole.CUSTOMER), 0),
            agent_messages=counts.get((chat.pk, SenderRole.AGENT), 0),
            tags=frozenset(str(tag).lower() for tag in (chat.tags or [])),
            text="\n".join(texts[chat.pk]).lower(),
        )
        for chat in chats
    }


def _declare_chunk(
    chats: Sequence[Chat], rules: list[DeclarationRule], now: datetime
) -> DeclareSummary:
    summary = DeclareSummary()
    chats = list(chats)
    need_text = any(rule.keywords for rule in rules)
    summaries = chat_summaries(chats, need_text=need_text)
    records: list[Record] = []
    for chat in chats:
        rule = declaration_rule_first(rules, summaries[chat.pk])
        if rule is None:
            summary.undeclared.append(chat.pk)
            continue
        record = Record(
            chat=chat,
            record_class=rule.record_class,
            declared_at=now,
            declared_by_rule=rule,
        )
        records.append(record)
    if not records:
        return summary
    # The original layer as declared: verify_transcripts proves it unchanged (chats.digests).
    digests = chats_transcript_digests([record.chat_id for record in records], layer="original")
    for record in records:
        record.transcript_sha256 = digests[record.chat_id]
    records_retention_fill(records, now=now)
    created = Record.objects.bulk_create(records, batch_size=500)
    if any(record.pk is None for record in created):  # backends without RETURNING
        by_chat = dict(
            Record.objects.filter(chat_id__in=[r.chat_id for r in records]).values_list(
                "chat_id", "pk"
            )
        )
        for record in records:
            record.pk = by_chat[record.chat_id]
    history_write(Record, created, reason="declared", when=timezone.now())
    locked = [record.chat for record in records]
    Chat.objects.filter(pk__in=[chat.pk for chat in locked]).update(locked_at=now)
    for chat in locked:
        chat.locked_at = now
    history_write(
        Chat,
        locked,
        history_type="~",
        reason="record declared: transcript locked",
        when=timezone.now(),
    )
    summary.holds_applied += sum(
        records_declared.send(RecordsDeclared(record_ids=tuple(r.pk for r in records), now=now))
    )
    webhook_events_emit(
        event="record.declared",
        payloads=[
            {
                "record": record.pk,
                "chat": record.chat_id,
                "chat_external_id": record.chat.external_id,
                "source": record.chat.source,
                "record_class": record.record_class.code,
                "jurisdiction": record.jurisdiction,
                "disposition_due": record.disposition_due,
            }
            for record in records
        ],
    )
    summary.declared += len(records)
    for record in records:
        code = record.record_class.code
        summary.by_class[code] = summary.by_class.get(code, 0) + 1
    return summary


def records_declare(*, now: datetime, chunk_size: int = DECLARE_CHUNK_SIZE) -> DeclareSummary:
    """Declares a record for every chat closed by `now` that has none (declare_records job)."""
    summary = DeclareSummary()
    rules = list(
        DeclarationRule.objects.filter(is_active=True)
        .select_related("record_class")
        .order_by("position", "pk")
    )
    if not rules:
        logger.warning("declare_records: no active declaration rules; nothing declared")
        return summary
    claimable = Chat.objects.filter(chats_to_declare(now=now)).select_for_update(
        skip_locked=True, of=("self",)
    )

    def declare(chats: Sequence[Chat]) -> None:
        outcomes, failed = chunk_process_isolated(
            list(chats),
            lambda group: _declare_chunk(group, rules, now),
            job="declare_records",
            item_id=lambda chat: chat.pk,
        )
        for outcome in outcomes:
            summary.add(outcome)
        summary.failed.extend(failed)
        audit_event_record(
            actor=None,
            action="records.declared",
            target_type="records.record",
            data={
                "chats": len(chats),
                "first_chat": chats[0].pk,
                "last_chat": chats[-1].pk,
                "failed": failed,
            },
        )

    chunks_process(
        claim=lambda after: rows_after(claimable, after, chunk_size),
        process=declare,
        chunk_size=chunk_size,
        label="declare_records",
    )
    tables_analyze_after_bulk([Record, Record.history.model], summary.declared)
    logger.info("declare_records: %s", summary)
    return summary


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
