"""Webhook subscriptions and the delivery log (R-API-3).

The tables keep their first names (integrations_*): the models moved from integrations to the
outbox without moving any data.
"""

import secrets

from django.conf import settings
from django.db import models

from outbox.events import WEBHOOK_EVENTS


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A CRM or other system that wants our events, signed with its own secret (R-API-3)."""

    name = models.CharField(max_length=128)
    url = models.URLField(max_length=500)
    # A list of event names from WEBHOOK_EVENTS.
    events = models.JSONField(default=list)
    # HMAC-SHA256 key shared with the receiver; never shown again after creation.
    secret = models.CharField(max_length=128, default=_new_secret)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "integrations_webhooksubscription"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def wants(self, event: str) -> bool:
        return self.is_active and event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one subscription, and the log of its delivery attempts."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=32, choices=[(e, e) for e in WEBHOOK_EVENTS])
    event_id = models.UUIDField()
    # The exact JSON body sent (signed as bytes); holds ids and metadata, never message text.
    body = models.TextField()
    # The chat the event is about, so that destroying the chat scrubs its bodies (R-DISP-4).
    # Not a foreign key: the delivery log outlives the chat's content.
    chat_ref = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "integrations_webhookdelivery"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
