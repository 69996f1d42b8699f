"""Retention's reports (issue #16 item 5): records due in a period, held records by hold,
disposals and transfers per period with their certificates. A few grouped queries each."""

from django.db.models import Count, Q
from django.urls import reverse

from core.reports import Report, ReportPeriod
from records.models import Record
from records.rules import records_live_q
from retention.models import DisposalCertificate, LegalHold
from retention.selectors import record_active_holds

# A report page lists at most this many rows; its CSV has them all the same (a report of more
# than this is a task for export_records).
REPORT_MAX_ROWS = 5000


def report_records_due(*, period: ReportPeriod) -> Report:
    start, end = period.bounds()
    records = list(
        Record.objects.filter(records_live_q(), disposition_due__gte=start, disposition_due__lt=end)
        .select_related("record_class", "chat", "schedule")
        .order_by("disposition_due", "pk")[:REPORT_MAX_ROWS]
    )
    holds = record_active_holds([record.pk for record in records])
    return Report(
        key="records-due",
        title="Records due for disposition",
        description="Live records whose disposition date falls in the period, soonest first.",
        columns=("record", "chat", "class", "vital", "jurisdiction", "action", "due", "held by"),
        rows=[
            [
                record.pk,
                f"{record.chat.source}:{record.chat.external_id}",
                record.record_class.code,
                "yes" if record.record_class.vital else "",
                record.jurisdiction,
                record.schedule.action if record.schedule else "",
                record.disposition_due.date().isoformat() if record.disposition_due else "",
                " ".join(f"hold {hold}" for hold in holds.get(record.pk, [])),
            ]
            for record in records
        ],
        links=[reverse("record-detail", args=[record.pk]) for record in records],
        period=period,
    )


def report_held_records() -> Report:
    holds = list(
        LegalHold.objects.filter(released_at__isnull=True)
        .annotate(live=Count("coverage", filter=Q(records_live_q(prefix="coverage__record__"))))
        .order_by("placed_at", "pk")
    )
    return Report(
        key="held-records",
        title="Held records by hold",
        description="Every active legal hold and how many live records it holds now.",
        columns=("hold", "matter", "reference", "placed", "records held"),
        rows=[
            [hold.pk, hold.matter, hold.reference, hold.placed_at.date().isoformat(), hold.live]
            for hold in holds
        ],
        links=[reverse("legal-hold-detail", args=[hold.pk]) for hold in holds],
    )


def report_disposals(*, period: ReportPeriod) -> Report:
    start, end = period.bounds()
    certificates = list(
        DisposalCertificate.objects.filter(issued_at__gte=start, issued_at__lt=end).order_by(
            "sequence"
        )
    )
    return Report(
        key="disposals",
        title="Disposed and transferred records",
        description="Every disposal certificate issued in the period, with what it covers.",
        columns=("certificate", "issued", "batch", "class", "jurisdiction", "action", "records"),
        rows=[
            [
                certificate.sequence,
                certificate.issued_at.date().isoformat(),
                certificate.batch_id,
                certificate.payload.get("record_class", ""),
                certificate.payload.get("jurisdiction", ""),
                certificate.payload.get("action", ""),
                sum(certificate.payload.get("counts", {}).values()),
            ]
            for certificate in certificates
        ],
        links=[
            reverse("disposal-certificate-detail", args=[certificate.pk])
            for certificate in certificates
        ],
        period=period,
    )
