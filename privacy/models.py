"""Data-subject requests (R-DSR-1, R-HOLD-2).

A request names a person by email, phone and/or name. Its matches are the chats found for that
person; while the request is open (or in progress) every matched chat is held: no disposal, no
purge of original text, no anonymisation (retention.selectors.records_held_q asks
privacy.selectors.subject_request_hold_q). Matches are never removed while the request is open,
so a hold never silently shrinks.

The request itself is the legal evidence of how it was answered; it keeps the identifiers the
person gave, and its `result` keeps per-chat outcomes with ids and reasons only (no content).
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access"
    PORTABILITY = "portability", "Portability"
    ERASURE = "erasure", "Erasure"
    RECTIFICATION = "rectification", "Rectification"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected"


OPEN_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


class DataSubjectRequest(models.Model):
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True
    )
    jurisdiction = models.CharField(max_length=2)  # the country whose law sets the deadline
    law = models.CharField(max_length=16)  # e.g. PIPEDA, CCPA
    received_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The person, as the request identifies them. phone_e164 is the normalised form we match on.
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=255, blank=True)
    # The person's customer id in a source system (chats.Customer.external_id), when known.
    customer_external_id = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=128, blank=True)  # the requester's ticket number
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    searched_at = models.DateTimeField(null=True, blank=True)
    # What was done, without personal values: e.g. "Exported 3 chats; erased 2, kept 1 (hold)".
    outcome = models.TextField(blank=True)
    # Per-chat outcome of an erasure: [{"chat", "record", "outcome", "reason", "detail", …}].
    result = models.JSONField(default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = "data-subject request"

    def __str__(self) -> str:
        return f"DSR {self.pk} ({self.kind}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MatchBasis(models.TextChoices):
    CUSTOMER_ID = "customer_id", "Customer id"
    EMAIL = "email", "Customer email"
    PHONE = "phone", "Customer phone"
    NAME = "name", "Customer name"
    MENTION = "mention", "Mentioned in the text"


IDENTITY_BASES = frozenset(
    {MatchBasis.CUSTOMER_ID, MatchBasis.EMAIL, MatchBasis.PHONE, MatchBasis.NAME}
)


class DataSubjectMatch(models.Model):
    """A chat found for a request, with why it matched. `bases`: the identifiers that agree (and
    `mention` when the text names the person); `conflicts`: identifiers present on both sides that
    disagree. `confirmed`: this is the person's own chat, so it is exported and erased. A match
    with a conflict, or on a phone or a name alone, is a candidate until a manager confirms that
    chat (`confirmed_by`); chats that merely mention the person are never acted on."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="matches"
    )
    chat = models.ForeignKey("chats.Chat", on_delete=models.CASCADE, related_name="+")
    bases = models.JSONField(default=list)
    conflicts = models.JSONField(default=list, blank=True)
    confirmed = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["request_id", "chat_id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "chat"], name="dsr_match_once"),
        ]
        indexes = [models.Index(fields=["chat", "request"])]

    def __str__(self) -> str:
        return f"DSR {self.request_id} ↔ chat {self.chat_id}"

    @property
    def is_identity(self) -> bool:
        return bool(IDENTITY_BASES & set(self.bases))

    @property
    def match_basis(self) -> list[str]:
        return [basis for basis in self.bases if basis in IDENTITY_BASES]
