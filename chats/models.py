from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class CountrySource(models.TextChoices):
    SOURCE_SYSTEM = "source_system", "Source system"
    CUSTOMER_PROFILE = "customer_profile", "Customer profile"
    PHONE_NUMBER = "phone_number", "Phone number"
    EMAIL_DOMAIN = "email_domain", "Email domain"
    AGENT = "agent", "Agent team default"
    QA_VERIFIED = "qa_verified", "QA verified"
    UNKNOWN = "unknown", "Unknown"


class SenderRole(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    BOT = "bot", "Bot"
    SYSTEM = "system", "System"


class MessageVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    # An agent's private note (SPEC §3): kept apart, never a transcript line, never in the KB.
    INTERNAL = "internal", "Internal note"


class Customer(models.Model):
    """A customer identity as one source system knows it (source-scoped)."""

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="customer_source_uid")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Agent(models.Model):
    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    team = models.CharField(max_length=128, blank=True)
    # The team's country, used for inference when the chat and the customer give none (R-CHAT-2).
    default_country = models.CharField(max_length=2, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="agent_source_uid")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.source}:{self.external_id}"


class Chat(models.Model):
    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True)  # open while null
    language = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True, db_index=True)  # ISO 3166-1 alpha-2
    region = models.CharField(max_length=6, blank=True)  # ISO 3166-2, e.g. CA-QC
    country_source = models.CharField(
        max_length=20, choices=CountrySource.choices, default=CountrySource.UNKNOWN
    )
    country_confidence = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    agents = models.ManyToManyField(Agent, blank=True, related_name="chats")
    tags = models.JSONField(default=list, blank=True)
    # The source's tags can hold personal data (an e-mail as a label): readers without original
    # text see this layer, written with the chat's other redacted texts. null: not redacted yet.
    tags_redacted = models.JSONField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    # Set when a record is declared: the transcript may no longer be edited (R-REC-2).
    locked_at = models.DateTimeField(null=True, blank=True)
    # The redaction layer (R-PII-*): when and by which detector version the text was redacted.
    redacted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    redaction_version = models.CharField(max_length=32, blank=True)
    # SHA-256 of the redacted layer, taken by the redaction service when it writes the layer;
    # verify_transcripts checks declared transcripts against it (chats.digests, issue #12).
    redacted_sha256 = models.CharField(max_length=64, blank=True)
    # SHA-256 of the imported chat line's content, kept for tombstones and change detection.
    content_sha256 = models.CharField(max_length=64, blank=True)
    # History is read per chat (id) and by date; indexes on the copied columns would only
    # slow the writes that every import, redaction and disposal makes to it.
    history = HistoricalRecords(
        excluded_fields=["imported_at", "redacted_sha256"],
        no_db_index=["started_at", "ended_at", "country", "redacted_at", "customer"],
    )

    class Meta:
        indexes = [
            # With the id: a period's chats (agent performance, trends) are found by an
            # index-only scan, without reading the chat rows.
            models.Index(fields=["started_at", "id"], name="chat_started_at_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="chat_source_uid"),
            models.CheckConstraint(
                condition=models.Q(country_confidence__gte=0) & models.Q(country_confidence__lte=1),
                name="chat_country_confidence_range",
            ),
        ]
        permissions = [("ingest_chat", "Can ingest chats through the API")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class Message(models.Model):
    """One line of a transcript. Deliberately without history: original text must not outlive
    disposal in a history table (R-REC-3), and a declared transcript is locked anyway."""

    # No index of its own: the unique (chat, position) index serves every lookup by chat.
    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    position = models.PositiveIntegerField()
    sender = models.CharField(max_length=8, choices=SenderRole.choices)
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_name = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField()
    text = models.TextField(blank=True)  # original; emptied by purge_pii_originals
    # null means "not redacted yet", which is not the same as an empty redacted text
    text_redacted = models.TextField(null=True, blank=True)  # noqa: DJ001
    original_purged_at = models.DateTimeField(null=True, blank=True)
    # The source's own message id: a later copy of the chat is matched by it (SPEC §3).
    external_id = models.CharField(max_length=255, blank=True)
    visibility = models.CharField(
        max_length=8, choices=MessageVisibility.choices, default=MessageVisibility.PUBLIC
    )
    # [{"name", "content_type", "size", "url"}]: names and urls can carry personal data, so
    # readers without original text see `attachments_redacted` (null: not redacted yet);
    # purge_pii_originals empties the original list with the text.
    attachments = models.JSONField(default=list, blank=True)
    attachments_redacted = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["chat_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "position"], name="message_chat_position")
        ]

    def __str__(self) -> str:
        return f"{self.chat_id}#{self.position} {self.sender}"


class Survey(models.Model):
    """Post-chat survey (R-CHAT-3). No history: the comment is destroyed on disposal."""

    chat = models.OneToOneField(Chat, on_delete=models.CASCADE, related_name="survey")
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    resolved = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    comment_redacted = models.TextField(null=True, blank=True)  # noqa: DJ001 - null: not redacted yet
    answers = models.JSONField(default=dict, blank=True)
    # Free-text answers can name people too; null until redacted, like comment_redacted.
    answers_redacted = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | (models.Q(rating__gte=1) & models.Q(rating__lte=5)),
                name="survey_rating_range",
            )
        ]

    def __str__(self) -> str:
        return f"survey of {self.chat_id}"


class ChatSourceDocument(models.Model):
    """A copy of a chat as it was received (SPEC §3): the interchange line, or the vendor's
    document when imported from another format or a webhook. It is personal data: never shown
    to support staff or in redacted exports, purged with the originals (purge_pii_originals),
    destroyed with the chat (disposal, erasure). Stored zlib-compressed; no history."""

    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="source_documents", db_index=False
    )
    received_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)
    # "native", or the --format / webhook the document came through
    format = models.CharField(max_length=32, default="native")
    document = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["chat", "content_sha256"], name="chat_source_doc_chat_sha")]

    def __str__(self) -> str:
        return f"source document of {self.chat_id} ({self.received_at:%Y-%m-%d})"


class ChatCorrection(models.Model):
    """A later copy of a declared chat that differs from the record (SPEC §3, R-REC-2): the
    record is unchanged; the copy is kept as this annotation. `differences` names the fields
    that differ, never their values (those are in the source document)."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="corrections")
    source_document = models.ForeignKey(
        ChatSourceDocument, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField()
    differences = models.JSONField(default=list)

    class Meta:
        ordering = ["chat_id", "received_at", "pk"]

    def __str__(self) -> str:
        return f"correction of {self.chat_id} ({self.received_at:%Y-%m-%d})"
