"""Webhook subscriptions, event emission and delivery attempts (R-API-3).

Invariants: a delivery row exists per (subscription, event id) and is created in the emitter's
transaction; it is enqueued only after that commits. An attempt is counted with a
compare-and-set on `attempts`, so two workers running the same delivery never double-count;
a delivered or failed delivery is never sent again. The HTTP call happens outside any
transaction. Bodies hold ids and metadata only, never message text.
"""

import json
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from integrations.webhooks.events import WEBHOOK_EVENTS
from integrations.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_compute,
)
from integrations.webhooks.targets import TargetRefused, TargetUnresolved, webhook_target_check

USER_AGENT = "ChatRecords-Webhooks/1"


def _events_checked(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if not events or unknown:
        raise ApplicationError(
            "Choose events from the list",
            extra={"unknown": unknown, "allowed": list(WEBHOOK_EVENTS)},
        )
    return [event for event in WEBHOOK_EVENTS if event in events]


def _url_checked(url: str) -> str:
    """The target rule of integrations.webhooks.targets, as a 400 naming the field."""
    try:
        webhook_target_check(url=url)
    except TargetRefused as refusal:
        raise ApplicationError(
            f"This webhook URL is refused: {refusal}",
            extra={"field": "url", "reason": str(refusal)},
        ) from None
    return url


@transaction.atomic
def webhook_subscription_create(
    *, name: str, url: str, events: list[str], created_by: User, secret: str = ""
) -> WebhookSubscription:
    """Creates a subscription; without a secret one is generated (shown once to its creator)."""
    checked_events = _events_checked(events)
    subscription = WebhookSubscription(
        name=name,
        url=_url_checked(url),
        events=checked_events,
        secret=secret or secrets.token_urlsafe(32),
        created_by=created_by,
    )
    subscription.full_clean()
    subscription.save()
    audit_event_record(
        actor=created_by,
        action="webhook.subscription_created",
        target=subscription,
        data={"events": subscription.events},
    )
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor: AbstractBaseUser, data: dict[str, Any]
) -> WebhookSubscription:
    changed = [key for key in ("name", "url", "events", "is_active", "secret") if key in data]
    for key in changed:
        value: Any = data[key]
        if key == "events":
            value = _events_checked(value)
        elif key == "url":
            value = _url_checked(str(value))
        setattr(subscription, key, value)
    subscription.full_clean()
    subscription.save()
    audit_event_record(
        actor=actor,
        action="webhook.subscription_updated",
        target=subscription,
        data={"changed": changed},
    )
    return subscription


@transaction.atomic
def webhook_subscription_delete(
    *, subscription: WebhookSubscription, actor: AbstractBaseUser
) -> None:
    audit_event_record(
        actor=actor,
        action="webhook.subscription_deleted",
        target=subscription,
        data={"name": subscription.name},
    )
    subscription.delete()


@transaction.atomic
def webhook_event_emit(*, event: str, payload: dict[str, Any]) -> list[int]:
    """Queues `event` for every active subscription that wants it; returns the delivery ids.

    Call it inside the transaction of the change it reports: the deliveries commit with it and
    are handed to Celery only after the commit. `payload` must be JSON-serialisable and hold
    ids and metadata, never personal values or message text.
    """
    return webhook_events_emit(event=event, payloads=[payload])


@transaction.atomic
def webhook_events_emit(*, event: str, payloads: Sequence[dict[str, Any]]) -> list[int]:
    """`webhook_event_emit` for many events of one kind (a job's chunk): one subscription
    query and one insert, however many events."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if not payloads:
        return []
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(is_active=True) if s.wants(event)
    ]
    if not subscriptions:
        return []
    created_at = timezone.now()
    deliveries: list[WebhookDelivery] = []
    event_ids = []
    for payload in payloads:
        event_id = uuid.uuid4()
        event_ids.append(event_id)
        body = json.dumps(
            {"id": str(event_id), "event": event, "created_at": created_at, "data": payload},
            cls=DjangoJSONEncoder,
            sort_keys=True,
        )
        chat_ref = _chat_ref(payload)
        deliveries.extend(
            WebhookDelivery(
                subscription=s, event=event, event_id=event_id, body=body, chat_ref=chat_ref
            )
            for s in subscriptions
        )
    created = WebhookDelivery.objects.bulk_create(deliveries, batch_size=500)
    ids = [delivery.pk for delivery in created]
    if None in ids:  # backends that return no keys from bulk inserts
        ids = list(
            WebhookDelivery.objects.filter(event_id__in=event_ids).values_list("pk", flat=True)
        )

    def enqueue() -> None:
        from integrations.tasks import webhook_deliver_task

        for delivery_id in ids:
            webhook_deliver_task.delay(delivery_id=delivery_id)

    # robust: with the broker down the deliveries stay pending in the database and
    # retry_webhook_deliveries sends them later; the change being reported stands.
    transaction.on_commit(enqueue, robust=True)
    return ids


def _chat_ref(payload: dict[str, Any]) -> int | None:
    """The chat an event is about: `{"chat": {"id": …}}` (chat.closed) or `{"chat": id}`."""
    chat = payload.get("chat")
    if isinstance(chat, dict):
        chat = chat.get("id")
    return chat if isinstance(chat, int) and not isinstance(chat, bool) else None


# Keys of a chat's event body that refer to the customer: nulled when the chat is destroyed.
CUSTOMER_KEYS = ("customer_external_id",)
SCRUB_BATCH_SIZE = 500


def webhook_deliveries_scrub_chats(chat_ids: list[int]) -> None:
    """Destruction hook (retention's CHAT_DESTRUCTION_HOOKS): the delivery bodies of destroyed
    chats lose every reference to the customer, whose identity is destroyed with them; the
    chat's own id and external id stay, as in its tombstone."""
    if not chat_ids:
        return
    changed = []
    for delivery in WebhookDelivery.objects.filter(chat_ref__in=chat_ids).only("id", "body"):
        try:
            body = json.loads(delivery.body)
        except ValueError:
            delivery.body = "{}"  # not ours to keep unread
            changed.append(delivery)
            continue
        chat = body.get("data", {}).get("chat") if isinstance(body.get("data"), dict) else None
        if isinstance(chat, dict) and any(chat.get(key) is not None for key in CUSTOMER_KEYS):
            chat.update(dict.fromkeys(CUSTOMER_KEYS))
            delivery.body = json.dumps(body, sort_keys=True)
            changed.append(delivery)
    WebhookDelivery.objects.bulk_update(changed, ["body"], batch_size=SCRUB_BATCH_SIZE)


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
    last_pk = 0
    while True:
        ids = list(
            webhook_deliveries_due(now=now)
            .filter(pk__gt=last_pk)
            .values_list("pk", flat=True)[:chunk_size]
        )
        for delivery_id in ids:
            outcome = webhook_delivery_attempt(delivery_id=delivery_id, now=now)
            counts["attempted"] += 1
            if outcome.status in counts:
                counts[outcome.status] += 1
        if len(ids) < chunk_size:
            return counts
        last_pk = ids[-1]
