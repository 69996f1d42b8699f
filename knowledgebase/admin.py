from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from knowledgebase.models import (
    Article,
    ArticleSource,
    Category,
    ChatCategory,
    ChatInsight,
    ChatKeyword,
    MessageSentiment,
    SearchDocument,
    TaxonomyTerm,
    TrendRollup,
)


class TaxonomyTermInline(admin.TabularInline):
    model = TaxonomyTerm
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    inlines = [TaxonomyTermInline]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["term", "category", "updated_at"]
    list_filter = ["category"]
    search_fields = ["term"]


@admin.register(ChatInsight)
class ChatInsightAdmin(admin.ModelAdmin):
    list_display = ["chat", "week_start", "country", "sentiment", "satisfaction", "analysed_at"]
    list_filter = ["country", "language"]
    raw_id_fields = ["chat"]


@admin.register(ChatKeyword)
class ChatKeywordAdmin(admin.ModelAdmin):
    list_display = ["chat", "term", "source", "rank", "weight"]
    list_filter = ["source"]
    search_fields = ["term"]
    raw_id_fields = ["chat", "added_by"]


@admin.register(ChatCategory)
class ChatCategoryAdmin(admin.ModelAdmin):
    list_display = ["chat", "category", "via_term"]
    list_filter = ["category"]
    raw_id_fields = ["chat"]


@admin.register(MessageSentiment)
class MessageSentimentAdmin(admin.ModelAdmin):
    list_display = ["message", "score", "model_name", "model_version", "not_scored_reason"]
    raw_id_fields = ["message", "chat"]


class ArticleSourceInline(admin.TabularInline):
    model = ArticleSource
    extra = 0
    raw_id_fields = ["chat"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["question", "category", "status", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["question"]
    inlines = [ArticleSourceInline]


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    list_display = ["kind", "title", "country", "occurred_at", "updated_at"]
    list_filter = ["kind", "country"]
    search_fields = ["title"]
    raw_id_fields = ["chat", "article"]


@admin.register(TrendRollup)
class TrendRollupAdmin(admin.ModelAdmin):
    list_display = [
        "week_start",
        "dimension",
        "value",
        "chat_count",
        "sentiment_avg",
        "satisfaction_avg",
    ]
    list_filter = ["dimension"]
    search_fields = ["value"]
