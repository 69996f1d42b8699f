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
    EMAIL = "email", "Customer email"
    PHONE = "phone", "Customer phone"
    NAME = "name", "Customer name"
    MENTION = "mention", "Mentioned in the text"


# Bases that identify the person reliably enough to act without a manager's confirmation.
VERIFIED_BASES = frozenset({MatchBasis.EMAIL, MatchBasis.PHONE})
IDENTITY_BASES = frozenset({MatchBasis.EMAIL, MatchBasis.PHONE, MatchBasis.NAME})


class DataSubjectMatch(models.Model):
    """A chat found for a request, with why it matched. `confirmed`: this is the person's own
    chat, so it is exported and erased; name-only matches wait for a manager to confirm them,
    and chats that merely mention the person (another customer's chat) are never acted on."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="matches"
    )
    chat = models.ForeignKey("chats.Chat", on_delete=models.CASCADE, related_name="+")
    bases = models.JSONField(default=list)
    confirmed = models.BooleanField(default=False)
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
