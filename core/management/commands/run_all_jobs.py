import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.jobs import job_run, jobs_registered
from core.management.commands.run_job import _parse_now

# The lifecycle order of SPEC §2: a chat is declared, redacted, tagged, rolled up and sampled
# before anything is proposed for disposal. Jobs not named here run after these, by name.
LIFECYCLE_ORDER = (
    "infer_countries",
    "declare_records",
    "redact_pii",
    "extract_keywords",
    "embed_search_documents",
    "rollup_trends",
    "sample_qa_reviews",
    "purge_pii_originals",
    "build_disposal_batches",
    "execute_disposals",
    "verify_audit_chain",
)


class Command(BaseCommand):
    help = "Runs every registered job once, in lifecycle order (used by `make demo`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="evaluate the jobs as of this ISO-8601 moment")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options["now"]) if options["now"] else None
        registered = jobs_registered()
        order = [name for name in LIFECYCLE_ORDER if name in registered]
        order += [name for name in registered if name not in order]
        for name in order:
            result = job_run(name=name, now=now)
            self.stdout.write(json.dumps({"job": name, "ok": result.ok, "counts": result.counts}))
