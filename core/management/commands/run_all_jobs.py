import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.cli import ProgressCommand, job_line
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


class Command(ProgressCommand):
    help = (
        "Runs every registered job once, in lifecycle order (used by `make demo`), printing one "
        "line per job (--json: one JSON line per job). A job that fails or raises never stops "
        "the jobs after it; the exit status is 1 if any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="evaluate the jobs as of this ISO-8601 moment")
        parser.add_argument(
            "--json", action="store_true", help='one {"job", "ok", "counts"} JSON line per job'
        )

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
        width = max(map(len, order), default=0)
        failed: list[str] = []
        started_all = time.monotonic()
        with self.progress(total=len(order), unit="jobs", desc="jobs") as progress:
            for name in order:
                progress.status(name)
                started = time.monotonic()
                try:
                    result = job_run(name=name, now=now)
                except Exception as error:
                    logger.exception("job %s raised; the next jobs still run", name)
                    failed.append(name)
                    progress.write(f"{name}: raised {type(error).__name__}: {error}")
                    progress.print(self._line(name, False, started, {}, (), width, options["json"]))
                    progress.update()
                    continue
                if not result.ok:
                    failed.append(name)
                    for message in result.messages:
                        progress.write(f"{name}: {message}")
                line = self._line(
                    name, result.ok, started, result.counts, result.messages, width, options["json"]
                )
                progress.print(line)
                progress.update()
            progress.status("")
        if not options["json"]:
            seconds = time.monotonic() - started_all
            self.stdout.write(
                f"{len(order)} jobs in {seconds:.1f} s: {len(order) - len(failed)} ok, "
                f"{len(failed)} failed"
            )
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")

    @staticmethod
    def _line(
        name: str,
        ok: bool,
        started: float,
        counts: dict[str, Any],
        messages: Sequence[str],
        width: int,
        as_json: bool,
    ) -> str:
        if as_json:
            return json.dumps({"job": name, "ok": ok, "counts": counts})
        seconds = time.monotonic() - started
        return job_line(name, ok=ok, seconds=seconds, counts=counts, messages=messages, width=width)
