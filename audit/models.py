from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One audited action. Events form a keyed hash chain (audit/chain.py): each hash is an
    HMAC, under AUDIT_CHAIN_KEY, of the previous hash and every field below."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's id and name as sealed: the chain must verify after the account is deleted
    # (which empties `actor`), and `actor` may only ever be empty or equal to `actor_pk`.
    actor_pk = models.PositiveBigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Fingerprint of the key that sealed the event (never the key): a rotation starts a segment.
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.target_type}:{self.target_id}"


# What an event shows to its readers (the API, the evidence package's CSV): every field, the
# actor by the name it was sealed with.
AUDIT_EVENT_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "data",
    "previous_hash",
    "hash",
    "key_id",
)


class AuditChainHead(models.Model):
    """The newest event's sequence and hash, so that removing the last events is detected too."""

    singleton = models.BooleanField(primary_key=True, default=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"head #{self.sequence}"
