from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Outbound events (R-API-3): webhook subscriptions, emission, signed delivery, retry.

    Below the domain: any app may emit, and the outbox knows no domain model. Emitters build
    their payloads (ids and metadata) and hand plain data to `outbox.services`."""

    name = "outbox"
    label = "outbox"
    verbose_name = "Outbox"
