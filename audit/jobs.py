from datetime import datetime

from audit.services import audit_chain_anchor, audit_chain_verify_configured
from core.jobs import JobResult, register_job


@register_job(
    "verify_audit_chain",
    "recomputes every audit event's keyed hash and checks the anchors; fails on the first break",
)
def verify_audit_chain(*, now: datetime) -> JobResult:
    ok, message = audit_chain_verify_configured()
    return JobResult(ok=ok, counts={}, messages=[message])


@register_job(
    "anchor_audit_chain", "writes the audit chain's head to AUDIT_ANCHOR_FILE and the log"
)
def anchor_audit_chain(*, now: datetime) -> JobResult:
    anchor = audit_chain_anchor(now=now)
    return JobResult(ok=True, counts={"anchored": 1 if anchor else 0})
