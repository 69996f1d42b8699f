from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from audit.models import AuditEvent
from core.cli import ProgressCommand
from core.exceptions import ApplicationError
from retention.evidence.package import EvidencePeriod, audit_evidence_export


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from error


class Command(ProgressCommand):
    help = (
        "Writes the audit events and disposal certificates of a period, with a README and a "
        "standard-library verifier, into one zip that verifies offline (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="FILE.zip")
        parser.add_argument("--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", metavar="DATE", help="last day, inclusive")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".zip":
            raise CommandError(f"--out {out}: the evidence package is a .zip file")
        period = EvidencePeriod(
            first=_day(options["first"]) if options["first"] else None,
            last=_day(options["last"]) if options["last"] else None,
        )
        total = AuditEvent.objects.count() if self.shows_progress else None
        with self.progress(total=total, unit="events", desc="export_audit_evidence") as progress:
            try:
                summary = audit_evidence_export(
                    out=out, period=period, exported_by=None, tick=progress.update
                )
            except ApplicationError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            f"{summary.path}: {summary.events} audit events, {summary.certificates} "
            f"certificates (sha256 {summary.sha256})"
        )
