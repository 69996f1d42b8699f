"""Writes a BagIt 1.0 bag of records (SPEC §4 `export_records --format bagit`).

`data/records.jsonl` holds one line per record: the chat in interchange format (redacted layer
only unless `original`), and what a transfer must carry (NARA Bulletin 2015-04): identifier,
title, creator and source system, dates, class and its citation, jurisdiction, schedule, rights
and restrictions (holds), status and the record's history. `data/certificates/` holds the
disposal certificate of every disposed record in the bag. The bag is validated with the `bagit`
library before this returns: a package that does not validate is an error, never a success.
Records are read in chunks with a fixed number of queries per chunk.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_event_record
from chats.models import Chat
from chats.selectors import (
    chat_extras,
    chat_to_interchange,
    chat_with_transcript,
    chats_source_documents,
)
from core.batching import chunks_process, rows_after
from core.db import history_model_of
from core.exceptions import ApplicationError
from records.models import Record
from records.rules import LIVE_STATUSES
from retention.models import DisposalCertificate, LegalHoldRecord, Tombstone

BAG_CHUNK_SIZE = 500
SOURCE_SYSTEM = "ChatRecords"
BAG_CHECKSUMS = ["sha256", "sha512"]


@dataclass(frozen=True)
class BagSummary:
    path: Path
    records: int
    certificates: int


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _holds_by_record(record_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    holds: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = LegalHoldRecord.objects.filter(
        record_id__in=record_ids, hold__released_at__isnull=True
    ).values_list("record_id", "hold_id", "hold__matter", "hold__reference")
    for record_id, hold_id, matter, reference in rows:
        holds[record_id].append({"id": hold_id, "matter": matter, "reference": reference})
    return holds


def _history_by_record(record_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        history_model_of(Record)
        .objects.filter(id__in=record_ids)
        .order_by("id", "history_date", "history_id")
        .values_list(
            "id",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
            "status",
            "disposition_due",
        )
    )
    kinds = {"+": "created", "~": "changed", "-": "deleted"}
    for record_id, at, kind, reason, username, status, due in rows:
        history[record_id].append(
            {
                "at": _iso(at),
                "change": kinds.get(kind, kind),
                "reason": reason or "",
                "by": username or "system",
                "status": status,
                "disposition_due": _iso(due),
            }
        )
    return history


def _certificates_by_record(record_ids: Sequence[int]) -> dict[int, DisposalCertificate]:
    batches = dict(
        Tombstone.objects.filter(record_id_value__in=record_ids, batch__isnull=False).values_list(
            "record_id_value", "batch_id"
        )
    )
    certificates = {
        c.batch_id: c
        for c in DisposalCertificate.objects.filter(batch_id__in=set(batches.values()))
    }
    return {
        record_id: certificates[batch_id]
        for record_id, batch_id in batches.items()
        if batch_id in certificates
    }


def _record_metadata(
    record: Record,
    *,
    chat: dict[str, Any] | None,
    holds: list[dict[str, Any]],
    history: list[dict[str, Any]],
    certificate: DisposalCertificate | None,
    original: bool,
) -> dict[str, Any]:
    source_chat: Chat = record.chat
    schedule = record.schedule
    record_class = record.record_class
    restrictions = ["personal information: original text included"] if original else []
    if holds:
        restrictions.append("under legal hold: not to be destroyed while a hold is active")
    return {
        "identifier": {
            "record": record.pk,
            "chat_source": source_chat.source,
            "chat_external_id": source_chat.external_id,
        },
        "title": (
            f"{record_class.title} — {source_chat.source} chat {source_chat.external_id} "
            f"of {source_chat.started_at.date().isoformat()}"
        ),
        "creator": {"source_system": source_chat.source, "custodian": SOURCE_SYSTEM},
        "dates": {
            "chat_started_at": _iso(source_chat.started_at),
            "chat_ended_at": _iso(source_chat.ended_at),
            "declared_at": _iso(record.declared_at),
            "trigger_at": _iso(record.trigger_at),
            "disposition_due": _iso(record.disposition_due),
            "pii_purged_at": _iso(record.pii_purged_at),
            "disposed_at": _iso(record.disposed_at),
        },
        "record_class": {
            "code": record_class.code,
            "title": record_class.title,
            "citation": record_class.citation,
            "vital": record_class.vital,
        },
        "jurisdiction": record.jurisdiction,
        "trigger": record.trigger,
        "schedule": None
        if schedule is None
        else {
            "id": schedule.pk,
            "jurisdiction": schedule.jurisdiction,
            "period": schedule.period_label,
            "cutoff": schedule.cutoff,
            "action": schedule.action,
            "citation": schedule.citation,
        },
        "status": record.status,
        "rights": "redacted layer only" if not original else "original and redacted layers",
        "restrictions": restrictions,
        "holds": holds,
        "transcript_sha256": record.transcript_sha256,
        "certificate": None
        if certificate is None
        else {"sequence": certificate.sequence, "hash": certificate.hash},
        "history": history,
        "chat": chat,
        "chat_withheld": None
        if chat is not None
        else ("content destroyed" if record.status not in LIVE_STATUSES else "not yet redacted"),
    }


def _chunk_write(
    records: Sequence[Record],
    *,
    stream: Any,
    certificates_dir: Path,
    written_certificates: set[int],
    original: bool,
) -> None:
    ids = [record.pk for record in records]
    chats = {
        chat.pk: chat
        for chat in chat_with_transcript(
            Chat.objects.filter(pk__in=[r.chat_id for r in records]), with_internal_notes=True
        )
    }
    extras = chat_extras(list(chats))
    holds, history = _holds_by_record(ids), _history_by_record(ids)
    certificates = _certificates_by_record(ids)
    # The documents as received are original text: only in an --original package.
    documents = chats_source_documents(list(chats)) if original else {}
    for record in records:
        chat = chats[record.chat_id]
        has_content = record.status in LIVE_STATUSES and (original or chat.redacted_at is not None)
        exported = None
        if has_content:
            exported = chat_to_interchange(chat, redacted=not original, extras=extras[chat.pk])
            if original:
                exported["source_documents"] = documents.get(chat.pk, [])
        line = _record_metadata(
            record,
            chat=exported,
            holds=holds.get(record.pk, []),
            history=history.get(record.pk, []),
            certificate=certificates.get(record.pk),
            original=original,
        )
        stream.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    for certificate in certificates.values():
        if certificate.sequence in written_certificates:
            continue
        written_certificates.add(certificate.sequence)
        (certificates_dir / f"certificate-{certificate.sequence:06d}.json").write_text(
            json.dumps(
                {
                    "sequence": certificate.sequence,
                    "batch": certificate.batch_id,
                    "issued_at": _iso(certificate.issued_at),
                    "payload": certificate.payload,
                    "previous_hash": certificate.previous_hash,
                    "hash": certificate.hash,
                },
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )


def records_bag_write(
    *,
    out: Path,
    records: QuerySet[Record],
    filters: dict[str, Any],
    original: bool = False,
    exported_by: User | None = None,
    purpose: str = "export",
    tick: Callable[[int], None] = lambda n: None,
) -> BagSummary:
    """Writes and validates the bag of `records` in the folder `out` (new or empty)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ApplicationError(
            f"{out} already exists and is not an empty folder: a bag is written into a new one",
            extra={"out": str(out)},
        )
    out.mkdir(parents=True, exist_ok=True)
    certificates_dir = out / "certificates"
    certificates_dir.mkdir()
    written: set[int] = set()
    base = records.select_related("chat", "record_class", "schedule")
    with (out / "records.jsonl").open("w", encoding="utf-8") as stream:

        def write(chunk: Sequence[Record]) -> None:
            _chunk_write(
                chunk,
                stream=stream,
                certificates_dir=certificates_dir,
                written_certificates=written,
                original=original,
            )
            tick(len(chunk))

        run = chunks_process(
            claim=lambda after: rows_after(base, after, BAG_CHUNK_SIZE),
            process=write,
            chunk_size=BAG_CHUNK_SIZE,
            atomic=False,
            label="records bag",
        )
    bag_info = {
        "Source-Organization": SOURCE_SYSTEM,
        "External-Description": f"{run.items} chat records ({purpose})",
        "External-Identifier": f"chatrecords-{purpose}-{timezone.now():%Y%m%dT%H%M%SZ}",
        "Bagging-Date": timezone.now().date().isoformat(),
        "Bag-Count": "1 of 1",
        "Internal-Sender-Description": "filters: "
        + (json.dumps(filters, sort_keys=True, default=str) if filters else "none"),
        "Record-Count": str(run.items),
        "Content-Layer": "original and redacted" if original else "redacted only",
    }
    bag = bagit.make_bag(str(out), bag_info=bag_info, checksums=BAG_CHECKSUMS)
    try:
        bag.validate()
    except bagit.BagValidationError as error:
        raise ApplicationError(f"the bag in {out} does not validate: {error}") from error
    audit_event_record(
        actor=exported_by,
        action="records.exported",
        data={
            "format": "bagit",
            "purpose": purpose,
            "records": run.items,
            "certificates": len(written),
            "original": original,
            "filters": {key: str(value) for key, value in filters.items()},
        },
    )
    return BagSummary(path=out, records=run.items, certificates=len(written))
