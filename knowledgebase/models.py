"""The knowledge base (SPEC §2.6, R-CHAT-4): insights per chat, taxonomy, articles, search, trends.

Invariants:
- Only the redacted layer (Message.text_redacted, Survey.comment_redacted) is ever read or stored
  here; a chat that is not redacted yet has no insight and no search document.
- Chat-level aggregates (ChatInsight, ChatKeyword, ChatCategory) hang off the Chat row, never off
  Messages, so they outlive disposal, which deletes messages but keeps the chat row (R-DISP-4).
- TrendRollup rows reference no chat at all: they hold counts and averages only (no PII) and keep
  their own long schedule.
- SearchDocument holds a copy of redacted text for ranking; it is removed when its chat's messages
  are gone (`search_documents_purge_disposed`), so a disposed chat is never found again.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Category(models.Model):
    """A customer-service category such as "billing"; keywords map to it through the taxonomy."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    """keyword → category. `term` is normalised (lower case, lemmas, single spaces)."""

    term = models.CharField(max_length=128, unique=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="terms")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.category.slug}"


class ChatInsight(models.Model):
    """Everything this app derives from one chat; survives the chat's disposal."""

    chat = models.OneToOneField("chats.Chat", on_delete=models.CASCADE, related_name="insight")
    # The chat's redacted_at when analysed: a chat re-redacted later is analysed again.
    source_redacted_at = models.DateTimeField()
    analysed_at = models.DateTimeField()
    analysis_version = models.CharField(max_length=32)
    language = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    week_start = models.DateField(db_index=True)  # Monday of the chat's start (UTC)
    sentiment = models.FloatField(null=True, blank=True)  # mean of scored customer messages
    sentiment_model = models.CharField(max_length=64, blank=True)
    messages_scored = models.PositiveIntegerField(default=0)
    messages_not_scored = models.PositiveIntegerField(default=0)
    survey_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    survey_resolved = models.BooleanField(null=True, blank=True)
    has_survey = models.BooleanField(default=False)
    comment_sentiment = models.FloatField(null=True, blank=True)
    satisfaction = models.FloatField(null=True, blank=True)  # 0–100
    satisfaction_explanation = models.JSONField(default=dict, blank=True)
    first_response_seconds = models.FloatField(null=True, blank=True)
    handle_seconds = models.FloatField(null=True, blank=True)
    # Bumped whenever keywords, categories or scores change, so rollup_trends knows what to redo.
    updated_at = models.DateTimeField()
    rolled_up_at = models.DateTimeField(null=True, blank=True)
    taxonomy_version = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["chat_id"]

    def __str__(self) -> str:
        return f"insight of chat {self.chat_id}"


class KeywordSource(models.TextChoices):
    AUTO = "auto", "Extracted"
    MANUAL = "manual", "Tagged by staff"


class ChatKeyword(models.Model):
    chat = models.ForeignKey("chats.Chat", on_delete=models.CASCADE, related_name="kb_keywords")
    term = models.CharField(max_length=128, db_index=True)
    weight = models.FloatField(default=0.0)
    rank = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=8, choices=KeywordSource.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["chat_id", "rank", "term"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "term", "source"], name="kb_chat_keyword_once")
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.source}) on chat {self.chat_id}"


class ChatCategory(models.Model):
    chat = models.ForeignKey("chats.Chat", on_delete=models.CASCADE, related_name="kb_categories")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="chats")
    via_term = models.CharField(max_length=128)

    class Meta:
        ordering = ["chat_id", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "category"], name="kb_chat_category_once")
        ]

    def __str__(self) -> str:
        return f"{self.category_id} on chat {self.chat_id}"


class MessageSentiment(models.Model):
    """Sentiment of one message (R-CHAT-4). Goes with its message; the chat aggregate stays."""

    # No database constraint, like redaction.RedactionLog.message: destruction deletes these
    # rows first, and the per-row check at commit doubled the cost of deleting messages.
    message = models.OneToOneField(
        "chats.Message", on_delete=models.CASCADE, related_name="kb_sentiment", db_constraint=False
    )
    chat = models.ForeignKey("chats.Chat", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(null=True, blank=True)  # −1…+1; null: not scored
    model_name = models.CharField(max_length=64)
    model_version = models.CharField(max_length=32)
    language = models.CharField(max_length=16, blank=True)
    not_scored_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["message_id"]

    def __str__(self) -> str:
        return f"sentiment of message {self.message_id}"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Article(models.Model):
    question = models.CharField(max_length=500)
    solution = models.TextField()
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    keywords = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.question[:80]


class ArticleSource(models.Model):
    """A link from an article to a chat it was written from. The chat may be disposed (messages
    deleted) or even removed later: the link keeps the chat's identity (source, external id), and
    the selector derives "source disposed on DATE" from the chat's record."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    chat = models.ForeignKey(
        "chats.Chat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chat_source = models.CharField(max_length=64)
    chat_external_id = models.CharField(max_length=255)
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["article_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "chat_source", "chat_external_id"], name="kb_article_source_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chat_source}:{self.chat_external_id} → article {self.article_id}"


class DocumentKind(models.TextChoices):
    ARTICLE = "article", "Article"
    CHAT = "chat", "Chat"


class SearchDocument(models.Model):
    """One searchable item. The full-text index lives beside it per database vendor (migration
    0002): a `search_vector` tsvector column + GIN index + trigger on PostgreSQL, an
    external-content FTS5 table + triggers on SQLite. Both are maintained by the database on
    every write, so bulk writes stay indexed too."""

    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    chat = models.OneToOneField(
        "chats.Chat", null=True, blank=True, on_delete=models.CASCADE, related_name="kb_document"
    )
    article = models.OneToOneField(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="document"
    )
    chat_external_id = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500)
    body = models.TextField()
    language = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)
    # "|billing|refunds|": denormalised for cheap filtering on every vendor.
    categories = models.CharField(max_length=1000, blank=True)
    keywords = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="chat", chat__isnull=False, article__isnull=True))
                | (models.Q(kind="article", article__isnull=False, chat__isnull=True)),
                name="kb_document_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.chat_id or self.article_id}"


class TrendDimension(models.TextChoices):
    KEYWORD = "keyword", "Keyword"
    CATEGORY = "category", "Category"
    COUNTRY = "country", "Country"
    ALL = "all", "All chats"


class TrendRollup(models.Model):
    """Weekly aggregate per keyword, category or country (R-KB-4). No PII and no link to chats."""

    week_start = models.DateField()
    dimension = models.CharField(max_length=8, choices=TrendDimension.choices)
    value = models.CharField(max_length=128)
    chat_count = models.PositiveIntegerField()
    sentiment_avg = models.FloatField(null=True, blank=True)
    sentiment_count = models.PositiveIntegerField(default=0)
    satisfaction_avg = models.FloatField(null=True, blank=True)
    satisfaction_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["week_start", "dimension", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["week_start", "dimension", "value"], name="kb_trend_rollup_once"
            )
        ]
        indexes = [models.Index(fields=["dimension", "value", "week_start"])]

    def __str__(self) -> str:
        return f"{self.week_start} {self.dimension}={self.value}: {self.chat_count}"


class DocumentVector(models.Model):
    """A search document's sentence embedding (core/embeddings.py), kept beside it: deleting the
    document (a destroyed chat, an unpublished article) deletes its vector by cascade.

    `vector` is float16 bytes (half the space of float32, and cosine ranking loses nothing that
    matters at 512 dimensions). `text_sha256` is the digest of the text embedded, so a document
    whose labels moved but whose text did not is not embedded again. `quality` is the prior of
    a useful answer (articles, then answered and satisfied chats; abandoned and bot-only last).
    """

    document = models.OneToOneField(
        SearchDocument, primary_key=True, on_delete=models.CASCADE, related_name="vector"
    )
    vector = models.BinaryField()
    model = models.CharField(max_length=64)
    text_sha256 = models.CharField(max_length=64)
    quality = models.FloatField()
    # The document's updated_at when embedded: a newer document is looked at again.
    source_updated_at = models.DateTimeField()
    embedded_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["document_id"]

    def __str__(self) -> str:
        return f"vector of document {self.document_id}"


class SearchChannel(models.TextChoices):
    API = "api", "API"
    PAGE = "page", "Page"


class KbSearchLog(models.Model):
    """One knowledge-base search (its first page), for the usage report. The query is stored
    redacted: staff sometimes type a customer's name or number into the search box."""

    searched_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=500)
    results = models.PositiveIntegerField()
    channel = models.CharField(max_length=4, choices=SearchChannel.choices)

    class Meta:
        ordering = ["-searched_at", "-pk"]

    def __str__(self) -> str:
        return f"search {self.query!r} ({self.results} results)"


class ArticleView(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]

    def __str__(self) -> str:
        return f"view of article {self.article_id}"


class ArticleFeedback(models.Model):
    """ "Was this helpful?" — one vote per user and article; voting again replaces the vote. The
    comment is stored redacted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="kb_feedback_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{'helpful' if self.helpful else 'not helpful'}: article {self.article_id}"


# Models of this app kept in their own file (issue #17), re-exported here.
from knowledgebase.models_topics import (  # noqa: E402, F401
    BoilerplateSource,
    BoilerplateTerm,
    CannedLine,
    ChatTopic,
    EmergingIssueNotice,
    KbDigest,
    Topic,
)
