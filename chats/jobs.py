from datetime import datetime

from chats.services.country_reinference import chats_country_reinfer
from chats.services.idle_closing import chats_close_idle
from core.jobs import JobResult, register_job


@register_job("infer_countries", "re-runs country inference on chats whose country was not given")
def infer_countries(*, now: datetime) -> JobResult:
    return JobResult(counts=chats_country_reinfer())


@register_job(
    "close_idle_chats",
    "closes chats idle for CHAT_AUTO_CLOSE_DAYS at their last message, so they are declared",
)
def close_idle_chats(*, now: datetime) -> JobResult:
    return JobResult(counts={"closed": chats_close_idle(now=now)})
