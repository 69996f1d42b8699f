from datetime import datetime

from chats.services import chats_country_reinfer
from core.jobs import JobResult, register_job


@register_job("infer_countries", "re-runs country inference on chats whose country was not given")
def infer_countries(*, now: datetime) -> JobResult:
    return JobResult(counts=chats_country_reinfer())
