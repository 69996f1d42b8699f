"""Webhook subscriptions, event emission and delivery attempts (R-API-3).

Other apps call `webhook_event_emit(event=..., payload=...)` (or `webhook_events_emit` for a
chunk) inside their own transaction with a payload they built (ids and metadata, plain data: the
outbox knows no domain model); deliveries are created with it and enqueued on commit, so an event
of a rolled-back change is never sent. Sending and retrying live in `outbox.delivery`; see
`outbox.signing` for the receiver's recipe.

Invariants: a delivery row exists per (subscription, event id) and is created in the emitter's
transaction; it is enqueued only after that commits. Bodies hold ids and metadata only, never
message text.
"""

import json
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError
from outbox.events import WEBHOOK_EVENTS
from outbox.models import WebhookDelivery, WebhookSubscription
from outbox.targets import TargetRefused, webhook_target_check
from outbox.tasks import webhook_deliver_task


def _events_checked(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if not events or unknown:
        raise ApplicationError(
            "Choose events from the list",
            extra={"unknown": unknown, "allowed": list(WEBHOOK_EVENTS)},
        )
    return [event for event in WEBHOOK_EVENTS if event in events]


def _url_checked(url: str) -> str:
    """The target rule of outbox.targets, as a 400 naming the field."""
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


def webhook_event_wanted(event: str) -> bool:
    """Whether any active subscription wants `event`: lets an emitter skip building payloads
    nobody asked for (one small query)."""
    return any(s.wants(event) for s in WebhookSubscription.objects.filter(is_active=True))


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
    """Called by retention's destruction, in its transaction: the delivery bodies of destroyed
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
