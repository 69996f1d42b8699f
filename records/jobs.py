from datetime import datetime

from core.isolation import failed_message
from core.jobs import JobResult, register_job
from records.services import records_declare, transcripts_verify


@register_job("declare_records", "declares a record for every closed chat (declaration rules)")
def declare_records(*, now: datetime) -> JobResult:
    summary = records_declare(now=now)
    messages = []
    if summary.undeclared:
        messages.append(
            f"{len(summary.undeclared)} closed chats matched no declaration rule (left undeclared)"
        )
    if summary.failed:
        messages.append(failed_message("declare_records", summary.failed))
    return JobResult(
        ok=not summary.failed,
        counts={
            "declared": summary.declared,
            "failed": len(summary.failed),
            "undeclared": len(summary.undeclared),
            "holds_applied": summary.holds_applied,
            **{f"class:{code}": n for code, n in summary.by_class.items()},
        },
        messages=messages,
    )


@register_job(
    "verify_transcripts",
    "re-hashes every declared transcript against its digests; fails when one changed",
)
def verify_transcripts(*, now: datetime) -> JobResult:
    summary = transcripts_verify(now=now)
    messages = list(summary.changed)
    messages += [
        f"record {pk}: no digest (declared before transcript digests existed); not verifiable"
        for pk in summary.no_digest
    ]
    return JobResult(
        ok=not summary.changed,
        counts={
            "checked": summary.checked,
            "originals_checked": summary.originals_checked,
            "redacted_checked": summary.redacted_checked,
            "changed": len(summary.changed),
            "no_digest": len(summary.no_digest),
        },
        messages=messages,
    )
