from datetime import datetime

from core.isolation import failed_message
from core.jobs import JobResult, register_job
from knowledgebase.selectors.trends import trends_emerging_topics
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.embeddings import search_documents_embed
from knowledgebase.services.taxonomy import chats_taxonomy_reapply
from knowledgebase.services.trends import trend_rollups_dispose, trends_rollup


@register_job(
    "extract_keywords",
    "keywords, categories, sentiment, satisfaction and the search index for newly redacted chats",
)
def extract_keywords(*, now: datetime) -> JobResult:
    summary = chats_analyse(now=now)
    reapplied = chats_taxonomy_reapply(now=now)
    return JobResult(
        ok=not summary.failed,
        messages=[failed_message("extract_keywords", summary.failed)] if summary.failed else [],
        counts={
            "analysed": summary.analysed,
            "skipped_changed": summary.skipped_changed,
            "messages_scored": summary.messages_scored,
            "messages_not_scored": summary.messages_not_scored,
            "documents_purged": summary.documents_purged,
            "taxonomy_reapplied": reapplied,
            "failed": len(summary.failed),
        },
    )


@register_job(
    "embed_search_documents",
    "sentence embeddings of new and changed search documents, for concept search",
)
def embed_search_documents(*, now: datetime) -> JobResult:
    summary = search_documents_embed(now=now)
    return JobResult(counts={"embedded": summary.embedded, "unchanged": summary.unchanged})


@register_job("rollup_trends", "weekly trend rollups per keyword, category and country")
def rollup_trends(*, now: datetime) -> JobResult:
    summary = trends_rollup(now=now)
    emerging = trends_emerging_topics(now=now)
    return JobResult(
        counts={"weeks": summary.weeks, "rows": summary.rows, "emerging": len(emerging)},
        messages=[f"emerging: {topic.keyword} ({topic.count} this week)" for topic in emerging],
    )


@register_job(
    "dispose_trend_rollups",
    "deletes trend rollups past the period of their file-plan schedule (CS-TREND-ROLLUP)",
    destructive=True,
)
def dispose_trend_rollups(*, now: datetime) -> JobResult:
    summary = trend_rollups_dispose(now=now)
    return JobResult(
        # No schedule in force: nothing disposed and a non-zero exit, the file plan needs it.
        ok=summary.schedule_id is not None,
        counts={"deleted": summary.deleted, "chunks": summary.chunks},
        messages=[summary.kept_reason] if summary.kept_reason else [],
    )
