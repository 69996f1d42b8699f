"""The records reports, all in one place (issue #16 item 5): each page at /reports/<key>/,
its CSV, and the scheduled e-mail to the records managers (`send_reports`, REPORTS_SCHEDULE).
Each report is built by the app that owns its data; this catalogue names them all."""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.reports import Report, ReportPeriod
from core.roles import Role
from integrations.csv_export import csv_cell
from integrations.models import ReportMailing
from privacy.reports import report_open_subject_requests
from qa.reports import report_qa_backlog
from retention.reports import report_disposals, report_held_records, report_records_due

# What the e-mail and the pages show by default: what falls due in the coming month, and what
# was disposed of in the past one.
DUE_AHEAD_DAYS = 30
DISPOSED_BACK_DAYS = 30

ReportBuilder = Callable[[ReportPeriod | None, datetime], Report]

REPORTS: dict[str, tuple[str, bool, ReportBuilder]] = {
    # key: (title, takes a period, builder)
    "records-due": (
        "Records due for disposition",
        True,
        lambda period, now: report_records_due(period=period or due_period(now)),
    ),
    "held-records": ("Held records by hold", False, lambda period, now: report_held_records()),
    "disposals": (
        "Disposed and transferred records",
        True,
        lambda period, now: report_disposals(period=period or disposed_period(now)),
    ),
    "qa-backlog": ("QA backlog and age", False, lambda period, now: report_qa_backlog(now=now)),
    "open-subject-requests": (
        "Open data-subject requests",
        False,
        lambda period, now: report_open_subject_requests(now=now),
    ),
}


def due_period(now: datetime) -> ReportPeriod:
    today = timezone.localdate(now)
    return ReportPeriod(first=today, last=today + timedelta(days=DUE_AHEAD_DAYS - 1))


def disposed_period(now: datetime) -> ReportPeriod:
    today = timezone.localdate(now)
    return ReportPeriod(first=today - timedelta(days=DISPOSED_BACK_DAYS - 1), last=today)


def report_build(key: str, *, period: ReportPeriod | None, now: datetime) -> Report:
    _, _, builder = REPORTS[key]
    return builder(period, now)


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.columns)
    writer.writerows([csv_cell(value) for value in row] for row in report.rows)
    return buffer.getvalue()


def _managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=Role.RECORDS_MANAGER.value)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def reports_mail(*, now: datetime) -> dict[str, int]:
    """E-mails every report (summary in the body, each as a CSV attachment) to the records
    managers, once per day: a replayed run finds the day's mailing and sends nothing."""
    today: date = timezone.localdate(now)
    managers = _managers()
    if not managers:
        return {"sent": 0, "recipients": 0}
    try:
        with transaction.atomic():
            ReportMailing.objects.create(sent_on=today, sent_at=now, recipients=len(managers))
            reports = [report_build(key, period=None, now=now) for key in REPORTS]
            lines = [f"Records reports of {today.isoformat()}", ""]
            lines += [
                f"- {r.title}{f' ({r.period.label()})' if r.period else ''}: {r.count} row(s)"
                for r in reports
            ]
            message = EmailMessage(
                subject=f"ChatRecords reports {today.isoformat()}",
                body="\n".join(lines) + "\n",
                to=[manager.email for manager in managers],
            )
            for report in reports:
                message.attach(
                    f"{report.key}-{today.isoformat()}.csv", report_csv(report), "text/csv"
                )
            audit_event_record(
                actor=None,
                action="reports.sent",
                data={
                    "on": today.isoformat(),
                    "recipients": len(managers),
                    "reports": len(reports),
                },
            )
            message.send()
    except IntegrityError:
        return {"sent": 0, "recipients": 0}
    return {"sent": 1, "recipients": len(managers)}
