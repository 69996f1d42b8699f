"""Sending webhook deliveries and retrying them (R-API-3).

Invariants: an attempt is counted with a compare-and-set on `attempts`, so two workers running
the same delivery never double-count; a delivered or failed delivery is never sent again. The
HTTP call happens outside any transaction, and the target is checked again (fresh DNS) before
every attempt.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.batching import chunks_process, ids_after
from outbox.models import DeliveryStatus, WebhookDelivery
from outbox.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_compute,
)
from outbox.targets import TargetRefused, TargetUnresolved, webhook_target_check

USER_AGENT = "ChatRecords-Webhooks/1"


def webhook_backoff_seconds(attempt: int) -> float:
    """Exponential back-off after the `attempt`-th failure: base, 2×base, 4×base, …"""
    return float(settings.WEBHOOK_BACKOFF_BASE_SECONDS) * 2 ** (attempt - 1)


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def _target_error(url: str) -> tuple[str, bool] | None:
    """Re-checks the target just before sending, with a fresh DNS look-up (the name may now
    point inside). (error, refused): a refused target fails at once and is never retried; a
    name that does not resolve is an ordinary failed attempt, retried with back-off."""
    try:
        webhook_target_check(url=url)
    except TargetUnresolved as failure:
        return f"DNS: {failure}"[:500], False
    except TargetRefused as refusal:
        return f"refused, not sent: {refusal}"[:500], True
    return None


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AttemptOutcome:
    """Sends one delivery once and logs the result. Returns when to retry, if at all."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return AttemptOutcome("done")  # already settled, or deleted with its subscription
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    subscription = delivery.subscription
    code: int | None = None
    refused = False
    if not subscription.is_active:
        error = "subscription deactivated"
    elif target_error := _target_error(subscription.url):
        error, refused = target_error
    else:
        timestamp = int(time.time())
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.event_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature_compute(
                secret=subscription.secret, timestamp=timestamp, body=body
            ),
        }
        try:
            response = requests.post(
                subscription.url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            code = response.status_code
            error = "" if 200 <= code < 300 else f"HTTP {code}"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": code,
        "last_error": error,
        "last_attempt_at": now,
        "next_attempt_at": None,
    }
    retry_in = None
    if not error:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif refused or attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.is_active:
        fields["status"] = DeliveryStatus.FAILED
    else:
        retry_in = webhook_backoff_seconds(attempts)
        fields.update(
            status=DeliveryStatus.RETRYING, next_attempt_at=now + timedelta(seconds=retry_in)
        )
    # Compare-and-set: a duplicate run of the same attempt does not count twice.
    updated = WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
        **fields
    )
    if not updated:
        return AttemptOutcome("done")
    return AttemptOutcome(str(fields["status"]), retry_in)


# A pending delivery older than this lost its task (e.g. a broker restart) and is re-sent.
LOST_DELIVERY_GRACE = timedelta(minutes=10)
RETRY_CHUNK_SIZE = 100


def webhook_deliveries_due(*, now: datetime) -> "QuerySet[WebhookDelivery]":
    return WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.PENDING, created_at__lte=now - LOST_DELIVERY_GRACE)
    ).order_by("pk")


def webhook_deliveries_retry(
    *, now: datetime, chunk_size: int = RETRY_CHUNK_SIZE
) -> dict[str, int]:
    """Re-sends the deliveries whose back-off has run out (idempotent: each attempt is
    counted by compare-and-set, a settled delivery is never sent again)."""
    counts = {"attempted": 0, "delivered": 0, "failed": 0, "retrying": 0}

    def attempt(ids: Sequence[int]) -> None:
        for delivery_id in ids:
            outcome = webhook_delivery_attempt(delivery_id=delivery_id, now=now)
            counts["attempted"] += 1
            if outcome.status in counts:
                counts[outcome.status] += 1

    chunks_process(
        claim=lambda after: ids_after(webhook_deliveries_due(now=now), after, chunk_size),
        process=attempt,
        chunk_size=chunk_size,
        atomic=False,  # each attempt owns its update; the HTTP call is outside any transaction
        label="webhook retry",
    )
    return counts
