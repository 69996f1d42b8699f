"""QA's report (issue #16 item 5): the backlog of country checks and its age."""

from datetime import datetime

from django.db.models import Count, Min

from core.reports import Report
from qa.models import QAReview, QAStatus


def report_qa_backlog(*, now: datetime) -> Report:
    rows = list(
        QAReview.objects.filter(status=QAStatus.PENDING)
        .values("reason", "original_country")
        .annotate(waiting=Count("pk"), oldest=Min("queued_at"))
        .order_by("oldest")
    )
    return Report(
        key="qa-backlog",
        title="QA backlog and age",
        description="Pending country checks by reason and country, oldest first.",
        columns=("reason", "country", "waiting", "oldest queued", "age (days)"),
        rows=[
            [
                row["reason"],
                row["original_country"] or "unknown",
                row["waiting"],
                row["oldest"].date().isoformat(),
                (now - row["oldest"]).days,
            ]
            for row in rows
        ],
    )
