from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from core.cli import ProgressCommand
from core.exceptions import ApplicationError
from records.models import Record, RecordClass, RecordStatus
from retention.models import DisposalBatch
from retention.packaging.bag import records_bag_write

FORMATS = ("bagit",)


class Command(ProgressCommand):
    help = (
        "Writes records as a BagIt 1.0 bag (data/records.jsonl, data/certificates/), validated "
        "with the bagit library; redacted layer only unless --original (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
        parser.add_argument("--record-class", metavar="CODE")
        parser.add_argument("--status", choices=RecordStatus.values)
        parser.add_argument(
            "--ended-before", metavar="DATE", help="chats that ended before this day"
        )
        parser.add_argument("--batch", type=int, metavar="ID", help="the records of a batch")
        parser.add_argument(
            "--original", action="store_true", help="include the original (unredacted) layer"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        records = Record.objects.all()
        filters: dict[str, Any] = {}
        if options["record_class"]:
            if not RecordClass.objects.filter(code=options["record_class"]).exists():
                raise CommandError(f"--record-class {options['record_class']!r}: no such class")
            records = records.filter(record_class__code=options["record_class"])
            filters["record_class"] = options["record_class"]
        if options["status"]:
            records = records.filter(status=options["status"])
            filters["status"] = options["status"]
        if options["ended_before"]:
            try:
                day = date.fromisoformat(options["ended_before"])
            except ValueError as error:
                raise CommandError(
                    f"--ended-before {options['ended_before']!r} is not a date (YYYY-MM-DD)"
                ) from error
            moment = datetime.combine(day, time.min, ZoneInfo(settings.TIME_ZONE))
            records = records.filter(chat__ended_at__lt=moment)
            filters["ended_before"] = day.isoformat()
        if options["batch"] is not None:
            if not DisposalBatch.objects.filter(pk=options["batch"]).exists():
                raise CommandError(f"--batch {options['batch']}: no such disposal batch")
            records = records.filter(disposal_items__batch_id=options["batch"]).distinct()
            filters["batch"] = options["batch"]
        total = records.count() if self.shows_progress else None
        with self.progress(total=total, unit="records", desc="export_records") as progress:
            try:
                summary = records_bag_write(
                    out=Path(options["out"]),
                    records=records,
                    filters=filters,
                    original=options["original"],
                    tick=progress.update,
                )
            except ApplicationError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            f"{summary.path}: a valid BagIt bag of {summary.records} records and "
            f"{summary.certificates} certificates"
        )
