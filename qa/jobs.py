from datetime import datetime

from core.jobs import JobResult, register_job
from qa.services import qa_reviews_sample


@register_job(
    "sample_qa_reviews",
    "queues records of unknown or low-confidence country and a per-country sample of new ones",
)
def sample_qa_reviews(*, now: datetime) -> JobResult:
    return JobResult(counts=qa_reviews_sample(now=now))
