from datetime import datetime

from audit.services import audit_chain_verify
from core.jobs import JobResult, register_job


@register_job("verify_audit_chain", "recomputes every audit event's hash; fails on the first break")
def verify_audit_chain(*, now: datetime) -> JobResult:
    ok, message = audit_chain_verify()
    return JobResult(ok=ok, counts={}, messages=[message])
