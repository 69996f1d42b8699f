from datetime import datetime

from core.jobs import JobResult, register_job
from integrations.inbound_idle import inbound_conversations_close_idle
from outbox.delivery import webhook_deliveries_retry


@register_job(
    "retry_webhook_deliveries",
    "re-sends webhook deliveries whose back-off has run out, and pending ones that lost their task",
)
def retry_webhook_deliveries(*, now: datetime) -> JobResult:
    return JobResult(counts=webhook_deliveries_retry(now=now))


@register_job(
    "close_idle_conversations",
    "imports (or discards, audited) webhook events held for a conversation idle for "
    "CHAT_AUTO_CLOSE_DAYS",
    # it deletes the held events it cannot import: never on a clock ahead of the real one
    destructive=True,
)
def close_idle_conversations(*, now: datetime) -> JobResult:
    counts = inbound_conversations_close_idle(now=now)
    return JobResult(ok=not counts["failed"], counts=counts)
