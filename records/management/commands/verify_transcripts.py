import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.jobs import job_run
from core.management.commands.run_job import _parse_now


class Command(BaseCommand):
    help = (
        "Re-hashes every declared transcript against the digests taken when it was declared and "
        "redacted; prints one line per record whose content changed and exits 1 if any did "
        "(the verify_transcripts job)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="evaluate as of this ISO-8601 moment")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options["now"]) if options["now"] else None
        result = job_run(name="verify_transcripts", now=now)
        for message in result.messages:
            self.stdout.write(message)
        self.stdout.write(json.dumps({"job": "verify_transcripts", **result.counts}))
        if not result.ok:
            raise CommandError(
                f"{result.counts['changed']} declared transcript(s) changed since declaration"
            )
