from datetime import datetime

from core.jobs import JobResult, register_job
from integrations.webhooks.services import webhook_deliveries_retry


@register_job(
    "retry_webhook_deliveries",
    "re-sends webhook deliveries whose back-off has run out, and pending ones that lost their task",
)
def retry_webhook_deliveries(*, now: datetime) -> JobResult:
    return JobResult(counts=webhook_deliveries_retry(now=now))
