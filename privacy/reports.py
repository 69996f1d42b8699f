"""Privacy's report (issue #16 item 5): open data-subject requests against their deadlines.
No identity of the person: the request's id, kind, law and dates."""

from datetime import datetime

from django.urls import reverse

from core.reports import Report
from privacy.models import OPEN_STATUSES, DataSubjectRequest


def report_open_subject_requests(*, now: datetime) -> Report:
    requests = list(
        DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    )
    return Report(
        key="open-subject-requests",
        title="Open data-subject requests",
        description="Open requests, nearest deadline first; a negative number of days is late.",
        columns=("request", "kind", "law", "received", "due", "days left", "status"),
        rows=[
            [
                request.pk,
                request.kind,
                request.law,
                request.received_at.date().isoformat(),
                request.due_at.date().isoformat(),
                (request.due_at - now).days,
                request.status,
            ]
            for request in requests
        ],
        links=[reverse("subject-request-detail", args=[request.pk]) for request in requests],
    )
