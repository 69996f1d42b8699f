from datetime import datetime

from core.isolation import failed_message
from core.jobs import JobResult, register_job
from knowledgebase.selectors.trends import trends_emerging_topics
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.embeddings import search_documents_embed
from knowledgebase.services.notify import emerging_issues_notify, kb_digest_send
from knowledgebase.services.taxonomy import chats_taxonomy_reapply
from knowledgebase.services.topics import topics_learn
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


@register_job(
    "learn_topics",
    "conversational boilerplate left out of keywords, and topics (clusters of related keywords)",
)
def learn_topics(*, now: datetime) -> JobResult:
    summary = topics_learn(now=now)
    learned = summary.boilerplate
    return JobResult(
        counts={
            "sampled": learned.sampled,
            "boilerplate_terms": learned.terms,
            "canned_lines": learned.canned_lines,
            "keywords_removed": learned.keywords_removed,
            "topics": summary.topics,
            "topics_created": summary.created,
            "topics_removed": summary.removed,
            "chats_placed": summary.chats_placed,
        },
        messages=[learned.skipped] if learned.skipped else [],
    )


@register_job(
    "notify_emerging_issues",
    "e-mails records managers and sends the trend.emerging webhook for each new emerging issue",
)
def notify_emerging_issues(*, now: datetime) -> JobResult:
    summary = emerging_issues_notify(now=now)
    return JobResult(
        counts={
            "new": len(summary.new),
            "already_sent": summary.already_sent,
            "emailed": summary.emailed,
            "recipients": summary.recipients,
            "webhook_deliveries": summary.webhook_deliveries,
        },
        messages=[f"new emerging issue: {keyword}" for keyword in summary.new],
    )


@register_job("send_kb_digest", "weekly e-mail to support staff: new and most helpful articles")
def send_kb_digest(*, now: datetime) -> JobResult:
    summary = kb_digest_send(now=now)
    return JobResult(
        counts={
            "sent": int(summary.sent),
            "recipients": summary.recipients,
            "new_articles": summary.new_articles,
            "helpful_articles": summary.helpful_articles,
        },
        messages=[summary.reason] if summary.reason else [],
    )
