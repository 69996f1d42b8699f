from celery import Task, shared_task

from outbox.delivery import webhook_delivery_attempt


@shared_task(name="integrations.webhook_deliver", bind=True, max_retries=None, acks_late=True)
def webhook_deliver_task(self: Task, delivery_id: int) -> str:
    """Delivers one webhook; failures come back after the service's exponential back-off
    (the service counts attempts and gives up after WEBHOOK_MAX_ATTEMPTS)."""
    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    # Embedded mode runs tasks inline: a retry waits for the retry_webhook_deliveries job
    # instead of blocking the request that emitted the event.
    return outcome.status
