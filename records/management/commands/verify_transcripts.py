import json
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.cli import ProgressCommand, job_line
from core.jobs import job_run
from core.management.commands.run_job import _parse_now


class Command(ProgressCommand):
    help = (
        "Re-hashes every declared transcript against the digests taken when it was declared and "
        "redacted; prints one line per record whose content changed and exits 1 if any did "
        "(the verify_transcripts job). Ends with one summary line (--json: a JSON line)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="evaluate as of this ISO-8601 moment")
        parser.add_argument("--json", action="store_true", help="end with the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options["now"]) if options["now"] else None
        started = time.monotonic()
        with self.progress(desc="verify_transcripts", unit="records", count_chunks=True):
            result = job_run(name="verify_transcripts", now=now)
        for message in result.messages:
            self.stdout.write(message)
        if options["json"]:
            self.stdout.write(json.dumps({"job": "verify_transcripts", **result.counts}))
        else:
            seconds = time.monotonic() - started
            self.stdout.write(
                job_line("verify_transcripts", ok=result.ok, seconds=seconds, counts=result.counts)
            )
        if not result.ok:
            raise CommandError(
                f"{result.counts['changed']} declared transcript(s) changed since declaration"
            )
