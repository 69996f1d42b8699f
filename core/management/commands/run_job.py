import json
import time
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.cli import ProgressCommand, job_line
from core.clock import SimulatedClockRefused
from core.exceptions import ApplicationError
from core.jobs import job_run, jobs_registered

# SPEC §4: a destructive job asked to run on a future clock exits with status 2.
SIMULATED_CLOCK_EXIT_STATUS = 2


def _parse_now(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--now: {value!r} is not an ISO-8601 date-time ({error})") from error
    if parsed.tzinfo is None:
        raise CommandError(f"--now: {value!r} needs a UTC offset, e.g. 2026-11-23T00:00:00+00:00")
    return parsed


class Command(ProgressCommand):
    help = (
        "Runs one scheduled job synchronously: exactly the code the Celery beat task runs. "
        "Prints the job's messages and one summary line (--json: a JSON line instead)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="job name; --list shows them")
        parser.add_argument("--now", help="evaluate the job as of this ISO-8601 moment")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")
        parser.add_argument(
            "--json", action="store_true", help='end with {"job", "ok", "counts"} as JSON'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str | None = options["name"]
        if options["list"] or name is None:
            for job in jobs_registered().values():
                self.stdout.write(f"{job.name:26} {job.description}")
            if name is None and not options["list"]:
                raise CommandError("name a job (see the list above)")
            return
        now = _parse_now(options["now"]) if options["now"] else None
        started = time.monotonic()
        try:
            # The bar counts the items of each committed chunk: most jobs cannot know their
            # total before they claim, so it shows the rate, not an ETA.
            with self.progress(desc=name, unit="items", count_chunks=True):
                result = job_run(name=name, now=now)
        except SimulatedClockRefused as error:
            raise CommandError(error.message, returncode=SIMULATED_CLOCK_EXIT_STATUS) from error
        except ApplicationError as error:
            raise CommandError(error.message) from error
        for message in result.messages:
            self.stdout.write(message)
        if options["json"]:
            self.stdout.write(json.dumps({"job": name, "ok": result.ok, "counts": result.counts}))
        else:
            seconds = time.monotonic() - started
            self.stdout.write(job_line(name, ok=result.ok, seconds=seconds, counts=result.counts))
        if not result.ok:
            raise CommandError(f"job {name} failed: " + "; ".join(result.messages))
