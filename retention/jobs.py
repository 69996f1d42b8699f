from datetime import datetime

from core.jobs import JobResult, register_job
from retention.evidence.certificates import certificates_chain_verify
from retention.selectors import disposal_preview
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.disposal.reminders import disposal_reviews_remind
from retention.services.purge import pii_originals_purge


@register_job(
    "build_disposal_batches", "proposes disposal batches of due, unheld records (by class)"
)
def build_disposal_batches(*, now: datetime) -> JobResult:
    preview = disposal_preview(now=now)
    batches = disposal_batches_build(now=now)
    messages = [
        f"{row['record_class']}/{row['jurisdiction']} ({row['action']}): {row['count']} due"
        for row in preview
    ]
    return JobResult(
        ok=True,
        counts={"batches": len(batches), "records": sum(row["count"] for row in preview)},
        messages=messages,
    )


@register_job(
    "remind_disposal_reviews",
    "e-mails the reviewers of disposal review stages waiting longer than "
    "DISPOSAL_REVIEW_REMINDER_DAYS (once per interval)",
)
def remind_disposal_reviews(*, now: datetime) -> JobResult:
    summary = disposal_reviews_remind(now=now)
    return JobResult(
        ok=True,
        counts={"reminded": len(summary.reminded), "no_reviewer": len(summary.no_reviewer)},
        messages=summary.messages,
    )


@register_job(
    "execute_disposals",
    "destroys the records of approved batches, chunk by chunk",
    destructive=True,
)
def execute_disposals(*, now: datetime) -> JobResult:
    summary = disposal_batches_execute(now=now)
    return JobResult(
        ok=True,
        counts={
            "batches": len(summary.batches),
            "completed": len(summary.completed),
            "awaiting_approval": len(summary.awaiting_approval),
            **summary.counts,
        },
        messages=summary.messages,
    )


@register_job(
    "purge_pii_originals",
    "destroys original text after the schedule's PII period",
    destructive=True,
)
def purge_pii_originals(*, now: datetime) -> JobResult:
    summary = pii_originals_purge(now=now)
    return JobResult(
        ok=True,
        counts={
            "purged": summary.purged,
            "held": summary.held,
            "not_redacted": summary.not_redacted,
            "blocked": summary.blocked,
            "unknown_country_kept": summary.unknown_country_kept,
        },
        messages=[
            f"{summary.unknown_country_kept} record(s) of unknown country keep their originals: "
            "no schedule of their class gives a PII period"
        ]
        if summary.unknown_country_kept
        else [],
    )


@register_job("verify_certificates", "re-hashes the chain of disposal certificates (read-only)")
def verify_certificates(*, now: datetime) -> JobResult:
    ok, message = certificates_chain_verify()
    return JobResult(ok=ok, messages=[message])
