import sys
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import CommandError, CommandParser

from chats.importers import (
    DOCUMENT_FORMATS,
    import_format_names,
    import_lines_for_format,
    import_units_for_format,
)
from chats.interchange import InterchangeError
from chats.services.import_pool import import_workers_default
from chats.services.import_stream import ImportSummary, chats_import_lines, chats_import_units
from core.cli import ProgressCommand

STDIN = "-"


def _lines_in(path: Path) -> int:
    """How many lines the file holds (a quick scan, for the bar's total and ETA)."""
    count, last = 0, b"\n"
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _rejected_path(name: str) -> Path:
    return Path("stdin.rejected.jsonl" if name == STDIN else f"{name}.rejected.jsonl")


def _outcome_counts(summary: ImportSummary) -> str:
    """The summary line of SPEC §3, exactly."""
    return (
        f"imported {summary.imported}, updated {summary.updated}, already present "
        f"{summary.already_present}, corrections {summary.corrections}, rejected {summary.rejected}"
    )


class Command(ProgressCommand):
    help = (
        "Imports chats (JSON Lines, one chat per line; '-' reads stdin). Bad lines are reported "
        "with their line number and kept verbatim in FILE.rejected.jsonl; exit status 1 if any "
        "was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--format",
            default="native",
            choices=import_format_names(),
            help="input format (default: native interchange JSONL); others are exports of "
            "live-chat systems",
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="import processes (default: 2 on PostgreSQL, 1 on SQLite)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = ImportSummary()
        for name in options["files"]:
            summary = self._import_file(
                name, options["format"], options["batch_size"], options["workers"]
            )
            for attribute in (
                "imported",
                "updated",
                "already_present",
                "corrections",
                "rejected",
                "messages",
                "warnings",
            ):
                setattr(total, attribute, getattr(total, attribute) + getattr(summary, attribute))
        if len(options["files"]) > 1:
            self.stdout.write(
                f"total: {_outcome_counts(total)}"
                + (f", warnings {total.warnings}" if total.warnings else "")
            )
        if total.rejected:
            sys.exit(1)

    def _open(self, name: str) -> BinaryIO:
        if name == STDIN:
            return sys.stdin.buffer
        try:
            return Path(name).open("rb")
        except OSError as error:
            raise CommandError(f"{name}: cannot open ({error.strerror})") from error

    def _import_file(
        self, name: str, format_name: str, batch_size: int | None, workers: int | None
    ) -> ImportSummary:
        if format_name in DOCUMENT_FORMATS:
            return self._import_document_file(name, format_name, batch_size)
        source = self._open(name)
        rejected_path = _rejected_path(name)
        rejected_file: BinaryIO | None = None
        # Chats done, not bytes read: the bar covers validation, storage and, in embedded mode,
        # the redaction tasks (and the language models' load) that run after each batch.
        total = _lines_in(Path(name)) if self.shows_progress and name != STDIN else None
        progress = self.progress(total=total, unit="chats", desc=name)

        def on_reject(number: int, raw: bytes, error: InterchangeError) -> None:
            nonlocal rejected_file
            if rejected_file is None:
                rejected_file = rejected_path.open("wb")
            rejected_file.write(raw if raw.endswith(b"\n") else raw + b"\n")
            progress.write(f"{name}:{number}: rejected: {error}")

        def on_warning(number: int, where: str, reason: str) -> None:
            progress.write(f"{name}:{number}: warning: {where}: {reason}")

        try:
            with progress:
                summary = chats_import_lines(
                    lines=import_lines_for_format(format_name, source),
                    on_reject=on_reject,
                    on_progress=progress.update,
                    batch_size=batch_size,
                    workers=workers if workers is not None else import_workers_default(),
                    on_warning=on_warning,
                )
        finally:
            if source is not sys.stdin.buffer:
                source.close()
            if rejected_file is not None:
                rejected_file.close()
        self._summarise(name, summary, rejected_path, wrote_rejects=rejected_file is not None)
        return summary

    def _import_document_file(
        self, name: str, format_name: str, batch_size: int | None
    ) -> ImportSummary:
        """Formats whose files are whole JSON documents: each chat found in the file is a unit,
        numbered in file order; a rejected unit is kept whole in FILE.rejected.jsonl."""
        source = self._open(name)
        try:
            data = source.read()
        finally:
            if source is not sys.stdin.buffer:
                source.close()
        rejected_path = _rejected_path(name)
        rejected: list[bytes] = []

        def on_reject(number: int, raw: bytes, error: InterchangeError) -> None:
            rejected.append(raw if raw.endswith(b"\n") else raw + b"\n")
            self.stderr.write(f"{name}: chat {number}: rejected: {error}")

        def on_warning(number: int, where: str, reason: str) -> None:
            self.stderr.write(f"{name}: chat {number}: warning: {where}: {reason}")

        summary = chats_import_units(
            units=import_units_for_format(format_name, data),
            on_reject=on_reject,
            batch_size=batch_size,
            on_warning=on_warning,
            source_format=format_name,
        )
        if rejected:
            rejected_path.write_bytes(b"".join(rejected))
        self._summarise(name, summary, rejected_path, wrote_rejects=bool(rejected))
        # Every field a vendor sends that no interchange field takes, so a new vendor version is
        # noticed the day it arrives (the fields stay in the kept source document).
        self.stdout.write(f"{name}: fields not mapped: {summary.fields_not_mapped} ({format_name})")
        return summary

    def _summarise(
        self, name: str, summary: ImportSummary, rejected_path: Path, *, wrote_rejects: bool
    ) -> None:
        if not wrote_rejects and rejected_path.exists():
            rejected_path.unlink()  # a stale file from an earlier run would mislead
        kept = f" (kept in {rejected_path})" if summary.rejected else ""
        # Warnings: chats imported with something to check, listed line by line on stderr.
        warnings = f", warnings {summary.warnings}" if summary.warnings else ""
        self.stdout.write(
            f"{name}: {_outcome_counts(summary)}{kept}{warnings}; {summary.messages} messages"
        )
