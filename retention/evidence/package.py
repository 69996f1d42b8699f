"""Writes the evidence package of a period (SPEC §4 `export_audit_evidence`).

The zip holds the audit events of the period as JSON Lines (every sealed field, its previous hash
and hash) and as CSV, every disposal certificate issued in the period, a manifest naming the
chain positions just before and at the end of the period, SHA256SUMS of every file, `verify.py`
(standard library only) and a README with the steps to verify it all offline. Rows are streamed
in chunks, so a period of millions of events never sits in memory. The export itself is audited.
"""

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from audit.chain import GENESIS_HASH, audit_event_sealed_fields
from audit.models import AUDIT_EVENT_COLUMNS, AuditChainHead, AuditEvent
from audit.services import audit_event_record
from core.exceptions import ApplicationError
from core.reports import ReportPeriod
from retention.models import DisposalCertificate

VERIFIER = Path(__file__).with_name("verify.py")
# The names verify.py reads: exactly the fields audit/chain.py seals.
SEALED_FIELDS = list(
    audit_event_sealed_fields(
        AuditEvent(occurred_at=datetime.min.replace(tzinfo=UTC), sequence=0, data={})
    )
)
EXPORT_CHUNK_SIZE = 2000
SOURCE_SYSTEM = "ChatRecords"
CSV_COLUMNS = AUDIT_EVENT_COLUMNS

README = """Evidence package of {source} — audit events and disposal certificates
Period: {period}. Generated {generated} (UTC) by {by}.

Contents
  manifest.json           the period, counts, and the chain positions around it
  audit/events.jsonl      {events} audit events, one JSON object per line, every sealed field
  audit/events.csv        the same events for a spreadsheet
  certificates/           {certificates} disposal certificates issued in the period
  SHA256SUMS              the SHA-256 of every file above
  verify.py               the verifier (Python 3 standard library only)

Verify offline
  1. Unzip into an empty folder and open a terminal there.
  2. sha256sum -c SHA256SUMS      (or: python3 verify.py, which checks the same)
  3. python3 verify.py            checks that the events follow each other without a gap from
                                  the manifest's audit_previous_hash (the event before the
                                  period), and recomputes every certificate's SHA-256 over its
                                  previous hash and payload, and the certificates' chain.
  4. python3 verify.py --audit-key-file KEY
                                  also recomputes every event's seal, HMAC-SHA256 under the
                                  audit chain key (AUDIT_CHAIN_KEY). The key is not in this
                                  package: ask the system's owner for it, over another channel.
  verify.py prints one line per problem and exits 1, or prints "intact" and exits 0.

What each check proves: a seal binds an event's fields to every event before it; without the
key, nobody can recompute a seal, so an edited, removed or inserted event fails step 4. The
manifest's audit_last_hash is the chain position at the end of the period; compare it with an
anchor taken at that time (AUDIT_ANCHOR_FILE) to show that nothing after it was rewritten.
"""


@dataclass(frozen=True)
class EvidencePeriod:
    """Days from `first` to `last` inclusive (either open), in the TIME_ZONE setting."""

    first: date | None = None
    last: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The same day bounds as core.reports.ReportPeriod, each end possibly open."""
        start = ReportPeriod(first=self.first, last=self.first).bounds()[0] if self.first else None
        end = ReportPeriod(first=self.last, last=self.last).bounds()[1] if self.last else None
        return start, end

    def label(self) -> str:
        first = self.first.isoformat() if self.first else "the beginning"
        last = self.last.isoformat() if self.last else "today"
        return f"{first} to {last}"


@dataclass(frozen=True)
class EvidenceSummary:
    path: Path
    events: int
    certificates: int
    sha256: str


def _in_period(queryset: QuerySet[Any], field: str, period: EvidencePeriod) -> QuerySet[Any]:
    start, end = period.bounds()
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def _event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        **audit_event_sealed_fields(event),
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


class _Member:
    """One file of the zip, written as a stream, with its SHA-256 taken on the way."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self._raw: IO[bytes] = archive.open(name, "w", force_zip64=True)
        self._digest = hashlib.sha256()

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._digest.update(data)
        self._raw.write(data)

    def close(self) -> str:
        self._raw.close()
        return self._digest.hexdigest()


def _events_write(
    archive: zipfile.ZipFile,
    events: QuerySet[AuditEvent],
    sums: dict[str, str],
    tick: Callable[[int], None],
) -> tuple[int, AuditEvent | None, AuditEvent | None]:
    """JSON Lines, then CSV, in two passes over the same rows (a zip takes one file at a time)."""
    jsonl = _Member(archive, "audit/events.jsonl")
    count, first, last = 0, None, None
    for event in events.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        jsonl.write(json.dumps(_event_row(event), sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
        first = first or event
        last = event
        tick(1)
    sums[jsonl.name] = jsonl.close()
    table = _Member(archive, "audit/events.csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        row = _event_row(event)
        writer.writerow(
            [json.dumps(row[c], sort_keys=True) if c == "data" else row[c] for c in CSV_COLUMNS]
        )
        table.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    table.write(buffer.getvalue())
    sums[table.name] = table.close()
    return count, first, last


def _certificates_write(
    archive: zipfile.ZipFile,
    certificates: QuerySet[DisposalCertificate],
    sums: dict[str, str],
) -> tuple[int, DisposalCertificate | None]:
    count, first = 0, None
    for certificate in certificates.order_by("sequence").iterator(chunk_size=EXPORT_CHUNK_SIZE):
        member = _Member(archive, f"certificates/certificate-{certificate.sequence:06d}.json")
        member.write(
            json.dumps(
                {
                    "sequence": certificate.sequence,
                    "batch": certificate.batch_id,
                    "issued_at": certificate.issued_at.isoformat(),
                    "as_of": certificate.as_of.isoformat() if certificate.as_of else None,
                    "payload": certificate.payload,
                    "previous_hash": certificate.previous_hash,
                    "hash": certificate.hash,
                },
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
            + "\n"
        )
        sums[member.name] = member.close()
        count += 1
        first = first or certificate
    return count, first


def _text_write(archive: zipfile.ZipFile, name: str, text: str, sums: dict[str, str]) -> None:
    member = _Member(archive, name)
    member.write(text)
    sums[name] = member.close()


def audit_evidence_export(
    *,
    out: Path,
    period: EvidencePeriod,
    exported_by: User | None,
    tick: Callable[[int], None] = lambda n: None,
) -> EvidenceSummary:
    """Writes the package to `out` (a .zip) and audits the export; `tick(n)` reports progress
    in events written (for a progress bar)."""
    if period.first and period.last and period.first > period.last:
        raise ApplicationError(
            "--from is after --to", extra={"from": str(period.first), "to": str(period.last)}
        )
    generated = timezone.now()
    # Bounded by the head as it is now: events appended while the package is written belong to
    # the next one, and both passes over the events read the same rows.
    head_sequence = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True)
    events = _in_period(
        AuditEvent.objects.filter(sequence__lte=head_sequence.first() or 0), "occurred_at", period
    ).order_by("sequence")
    certificates = _in_period(DisposalCertificate.objects.all(), "issued_at", period)
    sums: dict[str, str] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        event_count, first_event, last_event = _events_write(archive, events, sums, tick)
        certificate_count, first_certificate = _certificates_write(archive, certificates, sums)
        manifest = _manifest(
            period=period,
            generated=generated,
            events=(event_count, first_event, last_event),
            certificates=(certificate_count, first_certificate),
        )
        _text_write(archive, "manifest.json", json.dumps(manifest, indent=2) + "\n", sums)
        readme = README.format(
            source=SOURCE_SYSTEM,
            period=period.label(),
            generated=generated.strftime("%Y-%m-%d %H:%M"),
            by=exported_by.get_username() if exported_by else "a scheduled job",
            events=event_count,
            certificates=certificate_count,
        )
        _text_write(archive, "README.txt", readme, sums)
        _text_write(archive, "verify.py", VERIFIER.read_text(encoding="utf-8"), sums)
        archive.writestr("SHA256SUMS", "".join(f"{d}  {n}\n" for n, d in sorted(sums.items())))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    audit_event_record(
        actor=exported_by,
        action="evidence.exported",
        data={
            "from": period.first.isoformat() if period.first else None,
            "to": period.last.isoformat() if period.last else None,
            "events": event_count,
            "certificates": certificate_count,
            "sha256": digest,
        },
    )
    return EvidenceSummary(
        path=out, events=event_count, certificates=certificate_count, sha256=digest
    )


def _manifest(
    *,
    period: EvidencePeriod,
    generated: datetime,
    events: tuple[int, AuditEvent | None, AuditEvent | None],
    certificates: tuple[int, DisposalCertificate | None],
) -> dict[str, Any]:
    event_count, first_event, last_event = events
    certificate_count, first_certificate = certificates
    head = AuditChainHead.objects.filter(singleton=True).first()
    return {
        "source_system": SOURCE_SYSTEM,
        "period": {
            "from": period.first.isoformat() if period.first else None,
            "to": period.last.isoformat() if period.last else None,
            "time_zone": settings.TIME_ZONE,
        },
        "generated_at": generated.isoformat(),
        "audit_events": event_count,
        "audit_first_sequence": first_event.sequence if first_event else None,
        "audit_previous_hash": first_event.previous_hash if first_event else GENESIS_HASH,
        "audit_last_hash": last_event.hash if last_event else None,
        "audit_sealed_fields": SEALED_FIELDS,
        "audit_chain_head": {"sequence": head.sequence, "hash": head.hash} if head else None,
        "certificates": certificate_count,
        "certificates_previous_hash": (
            first_certificate.previous_hash if first_certificate else None
        ),
    }
