"""Learned boilerplate, topics and the notices this app sends (issue #17). Imported by
knowledgebase/models.py, so Django sees them as models of this app.

- BoilerplateTerm / CannedLine: what the `learn_topics` job learned to leave out of keywords:
  terms found in many chats spread evenly across categories (document frequency), and agent lines
  repeated across many chats of different categories (canned lines). No PII: terms are keyword
  lemmas; a canned line is the redacted agent wording shared by many chats, digits removed.
- Topic / ChatTopic: clusters of related keywords; a chat belongs to the topic its keywords weigh
  most in. Names are editable (records managers and support staff); a learned name never
  overwrites an edited one.
- EmergingIssueNotice / KbDigest: what was sent, so a replayed job never sends it again.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class BoilerplateSource(models.TextChoices):
    FREQUENCY = "frequency", "Frequent in chats of every category"
    CANNED = "canned", "In agents' canned lines"


class BoilerplateTerm(models.Model):
    term = models.CharField(max_length=128, unique=True)
    source = models.CharField(max_length=10, choices=BoilerplateSource.choices)
    chat_share = models.FloatField()  # share of sampled chats with the term
    spread = models.FloatField()  # share of its chats in its most frequent category (low: spread)
    learned_at = models.DateTimeField()

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class CannedLine(models.Model):
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the normalised line
    text = models.CharField(max_length=500)
    chats = models.PositiveIntegerField()
    learned_at = models.DateTimeField()

    class Meta:
        ordering = ["-chats", "text"]

    def __str__(self) -> str:
        return self.text[:80]


class Topic(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    name_edited = models.BooleanField(default=False)
    terms = models.JSONField(default=list)
    chat_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-chat_count", "name"]

    def __str__(self) -> str:
        return self.name


class ChatTopic(models.Model):
    chat = models.OneToOneField("chats.Chat", on_delete=models.CASCADE, related_name="kb_topic")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="chat_links")
    score = models.FloatField()

    class Meta:
        ordering = ["chat_id"]
        indexes = [models.Index(fields=["topic", "chat"])]

    def __str__(self) -> str:
        return f"chat {self.chat_id} in topic {self.topic_id}"


class EmergingIssueNotice(models.Model):
    """One emerging issue announced. `first_seen` is the first day of its surge."""

    keyword = models.CharField(max_length=128)
    first_seen = models.DateField()
    detected_on = models.DateField()
    count = models.PositiveIntegerField()
    topic_name = models.CharField(max_length=128, blank=True)
    keywords = models.JSONField(default=list)
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    webhook_deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-detected_on", "keyword"]
        constraints = [
            models.UniqueConstraint(
                fields=["keyword", "first_seen"], name="kb_emerging_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"emerging {self.keyword} since {self.first_seen}"


class KbDigest(models.Model):
    """The weekly digest for the week starting `week_start` (Monday)."""

    week_start = models.DateField(unique=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    new_articles = models.JSONField(default=list)  # article ids
    helpful_articles = models.JSONField(default=list)  # article ids
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"digest of week {self.week_start}"
