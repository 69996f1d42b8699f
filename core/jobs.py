"""The registry of scheduled jobs.

Each app declares its jobs in `<app>/jobs.py` with `@register_job`. The Celery beat task
(`core.tasks.run_job_task`) and `manage.py run_job` both call `job_run`, so a job run by hand
is exactly the code the schedule runs. A job takes `now` so it can be evaluated as of any moment.

A job registered with `destructive=True` destroys content: `job_run` refuses to run it as of a
moment later than the real clock unless ALLOW_SIMULATED_CLOCK (core.clock), before it starts,
so beat, `run_job` and `run_all_jobs` all get the refusal.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from core.clock import clock_check_destructive
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


@dataclass
class JobResult:
    """What a job reports. `ok=False` makes run_job exit non-zero (e.g. a broken audit chain)."""

    ok: bool = True
    counts: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


JobFunction = Callable[..., JobResult]


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    description: str
    destructive: bool = False


_REGISTRY: dict[str, Job] = {}
_discovered = False


def register_job(
    name: str, description: str, *, destructive: bool = False
) -> Callable[[JobFunction], JobFunction]:
    """`destructive`: the job destroys or anonymises content (never run on a future clock)."""

    def decorator(function: JobFunction) -> JobFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.function is not function:
            raise RuntimeError(f"Job {name!r} is registered twice")
        _REGISTRY[name] = Job(
            name=name, function=function, description=description, destructive=destructive
        )
        return function

    return decorator


def jobs_registered() -> dict[str, Job]:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return dict(sorted(_REGISTRY.items()))


def job_get(name: str) -> Job:
    jobs = jobs_registered()
    job = jobs.get(name)
    if job is None:
        raise ApplicationError(
            f"Unknown job {name!r}. Known jobs: {', '.join(jobs)}",
            extra={"job": name, "known": list(jobs)},
        )
    return job


def job_clock_check(*, name: str, now: datetime | None) -> None:
    """Raises SimulatedClockRefused when `name` destroys content and `now` is in the future."""
    job = job_get(name)
    if job.destructive and now is not None:
        clock_check_destructive(job=name, now=now)


def job_run(*, name: str, now: datetime | None = None) -> JobResult:
    job = job_get(name)
    job_clock_check(name=name, now=now)
    now = now or timezone.now()
    started = time.monotonic()
    logger.info("job %s starting (now=%s)", name, now.isoformat())
    result = job.function(now=now)
    logger.info(
        "job %s finished in %.2fs ok=%s counts=%s",
        name,
        time.monotonic() - started,
        result.ok,
        result.counts,
    )
    return result
