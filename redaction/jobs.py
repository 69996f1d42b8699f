from datetime import datetime

from django.conf import settings

from core.isolation import failed_message
from core.jobs import JobResult, register_job
from redaction.services import chats_redact, redaction_rerun_outdated_enabled
from redaction.tasks import redact_pending_task


@register_job("redact_pii", "Redacts personal data in every chat not yet redacted (R-PII-4)")
def redact_pii(*, now: datetime) -> JobResult:
    """Runs the backlog here, and with REDACTION_EXTRA_WORKERS > 0 also hands a share of it to
    that many Celery workers first: they all claim disjoint chunks (skip_locked)."""
    rerun = redaction_rerun_outdated_enabled()
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        for _ in range(settings.REDACTION_EXTRA_WORKERS):
            redact_pending_task.delay(rerun_outdated=rerun, now_iso=now.isoformat())
    counts = chats_redact(now=now, rerun_outdated=rerun)
    return JobResult(
        ok=not counts.failed,
        counts=counts.as_dict(),
        messages=[failed_message("redact_pii", counts.failed)] if counts.failed else [],
    )
