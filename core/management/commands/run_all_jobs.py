import json
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.clock import SimulatedClockRefused
from core.jobs import job_clock_check, job_run, jobs_registered
from core.management.commands.run_job import SIMULATED_CLOCK_EXIT_STATUS, _parse_now

# The lifecycle order of SPEC §2: a chat is declared, redacted, tagged, rolled up and sampled
# before anything is proposed for disposal. Jobs not named here run after these, by name.
LIFECYCLE_ORDER = (
    "infer_countries",
    "close_idle_conversations",
    "close_idle_chats",
    "declare_records",
    "redact_pii",
    "extract_keywords",
    "embed_search_documents",
    "rollup_trends",
    "sample_qa_reviews",
    # Before the purge: the last moment the original text can still be checked (issue #12).
    "verify_transcripts",
    "purge_pii_originals",
    "build_disposal_batches",
    "execute_disposals",
    "verify_audit_chain",
)


logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Runs every registered job once, in lifecycle order (used by `make demo`). A job that "
        "fails or raises never stops the jobs after it; the exit status is 1 if any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="evaluate the jobs as of this ISO-8601 moment")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options["now"]) if options["now"] else None
        registered = jobs_registered()
        order = [name for name in LIFECYCLE_ORDER if name in registered]
        order += [name for name in registered if name not in order]
        # Refuse before the first job runs: half a lifecycle on a future clock is a change too.
        try:
            for name in order:
                job_clock_check(name=name, now=now)
        except SimulatedClockRefused as error:
            raise CommandError(error.message, returncode=SIMULATED_CLOCK_EXIT_STATUS) from error
        failed: list[str] = []
        for name in order:
            try:
                result = job_run(name=name, now=now)
            except Exception as error:
                logger.exception("job %s raised; the next jobs still run", name)
                failed.append(name)
                line = {"job": name, "ok": False, "error": type(error).__name__, "counts": {}}
                self.stdout.write(json.dumps(line))
                continue
            if not result.ok:
                failed.append(name)
                for message in result.messages:
                    self.stderr.write(f"{name}: {message}")
            self.stdout.write(json.dumps({"job": name, "ok": result.ok, "counts": result.counts}))
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
