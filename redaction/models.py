"""The redaction log (R-PII-3): what was found in each text, never the values found."""

from django.db import models

from chats.models import Chat, Message


class RedactedField(models.TextChoices):
    MESSAGE_TEXT = "message_text", "Message text"
    SURVEY_COMMENT = "survey_comment", "Survey comment"


class RedactionLog(models.Model):
    """Entity types and counts of one redacted text, by detector version.

    Written for every text in which something was redacted; a chat's `redaction_version` and
    `redacted_at` say that its other texts were scanned and held nothing. Re-redaction replaces
    a chat's rows. Counts only: no value, no offset, no placeholder mapping.
    """

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="redaction_logs")
    # No database constraint: destruction deletes a chunk's logs before its messages, set-based
    # (retention.services.destruction), and the constraint's per-row check at commit cost more
    # than the whole delete. The row holds counts only, so a stray one exposes nothing.
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redaction_logs",
        db_constraint=False,
    )
    field = models.CharField(max_length=20, choices=RedactedField.choices)
    entity_counts = models.JSONField(default=dict)  # {"PERSON": 2, "EMAIL": 1}
    detector_version = models.CharField(max_length=32)
    redacted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=models.Q(message__isnull=False),
                name="redaction_log_one_per_message",
            ),
            models.UniqueConstraint(
                fields=["chat"],
                condition=models.Q(field="survey_comment"),
                name="redaction_log_one_per_survey",
            ),
        ]
        indexes = [models.Index(fields=["chat", "field"])]

    def __str__(self) -> str:
        return f"{self.chat_id} {self.field} {self.entity_counts}"
