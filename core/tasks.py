from datetime import datetime
from typing import Any

from celery import shared_task

from core.jobs import job_run


@shared_task(name="chatrecords.run_job")
def run_job_task(job_name: str, now_iso: str | None = None) -> dict[str, Any]:
    """The beat task for every scheduled job: exactly what `manage.py run_job` runs."""
    now = datetime.fromisoformat(now_iso) if now_iso else None
    result = job_run(name=job_name, now=now)
    return {"ok": result.ok, "counts": result.counts, "messages": result.messages}
