from datetime import datetime

from core.jobs import JobResult, register_job
from records.services import records_declare


@register_job("declare_records", "declares a record for every closed chat (declaration rules)")
def declare_records(*, now: datetime) -> JobResult:
    summary = records_declare(now=now)
    messages = []
    if summary.undeclared:
        messages.append(
            f"{len(summary.undeclared)} closed chats matched no declaration rule (left undeclared)"
        )
    return JobResult(
        ok=True,
        counts={
            "declared": summary.declared,
            "undeclared": len(summary.undeclared),
            "holds_applied": summary.holds_applied,
            **{f"class:{code}": n for code, n in summary.by_class.items()},
        },
        messages=messages,
    )
