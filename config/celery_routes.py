"""Queues per job type (CELERY_QUEUES_PER_JOB_TYPE=true): which queue each task goes to.

Heavy work gets a queue of its own so that it can have workers of its own, on machines of its
own: redaction (spaCy), disposal (destruction, purges), keywords (extraction, embeddings,
rollups, topics) and exports. Webhook deliveries go to `webhooks`; every other scheduled job to
`jobs`. Scheduled jobs all run through the one task `chatrecords.run_job`, so they are routed by
the job's name, its first argument. Exports stream from the web request today and have no task:
the `exports` queue is where an export task goes (its name starts with `exports.`).

Start workers with `-Q` (README "Operations"): e.g. `celery -A config worker -Q redaction` on
the NLP machines, `-Q disposal` next to the database, `-Q jobs,keywords,exports,webhooks,celery`
elsewhere. A queue nobody consumes keeps its tasks until a worker for it starts.
"""

from typing import Any

REDACTION, DISPOSAL, KEYWORDS, EXPORTS, WEBHOOKS, JOBS = (
    "redaction",
    "disposal",
    "keywords",
    "exports",
    "webhooks",
    "jobs",
)
QUEUES = (REDACTION, DISPOSAL, KEYWORDS, EXPORTS, WEBHOOKS, JOBS)

# Scheduled jobs (core.jobs registry) that are heavy enough for a queue of their own.
JOB_QUEUES: dict[str, str] = {
    "redact_pii": REDACTION,
    "execute_disposals": DISPOSAL,
    "build_disposal_batches": DISPOSAL,
    "purge_pii_originals": DISPOSAL,
    "dispose_trend_rollups": DISPOSAL,
    "extract_keywords": KEYWORDS,
    "embed_search_documents": KEYWORDS,
    "rollup_trends": KEYWORDS,
    "learn_topics": KEYWORDS,
}

# Tasks other than run_job, by the prefix of their name.
TASK_PREFIX_QUEUES: dict[str, str] = {
    "redaction.": REDACTION,
    "retention.": DISPOSAL,
    "knowledgebase.": KEYWORDS,
    "exports.": EXPORTS,
    "integrations.": WEBHOOKS,
}

RUN_JOB_TASK = "chatrecords.run_job"


def queue_for(task_name: str, args: tuple[Any, ...] | list[Any] = ()) -> str:
    """The queue of a task called `task_name` with positional `args`."""
    if task_name == RUN_JOB_TASK:
        job = args[0] if args else ""
        return JOB_QUEUES.get(str(job), JOBS)
    for prefix, queue in TASK_PREFIX_QUEUES.items():
        if task_name.startswith(prefix):
            return queue
    return JOBS


def task_route(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any
) -> dict[str, str]:
    """Celery router (CELERY_TASK_ROUTES): a queue named by the task's job type."""
    job_args = list(args or ())
    if name == RUN_JOB_TASK and not job_args and kwargs:
        job_args = [kwargs.get("job_name", "")]
    return {"queue": queue_for(name, job_args)}
