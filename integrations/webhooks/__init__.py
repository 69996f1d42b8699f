"""Outbound webhooks (R-API-3): events other apps emit, signed and delivered by Celery.

Other apps call `integrations.webhooks.services.webhook_event_emit(event=..., payload=...)`
inside their own transaction; deliveries are created with it and enqueued on commit, so an
event of a rolled-back change is never sent. See signing.py for the receiver's recipe.
"""
