"""Records reports (issue #16 item 5): each a page and a CSV for managers and auditors, and one
e-mail a day to the records managers, never to support staff and never twice."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from integrations.models import ReportMailing
from integrations.reports import REPORTS, reports_mail
from privacy.services.requests import subject_request_create
from retention.services.holds import legal_hold_place
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(due_records, manager_user):
    manager_user.email = "rita@example.org"
    manager_user.save()
    records = due_records(3)
    legal_hold_place(
        matter="Smith v. Acme",
        reason="r",
        scope={"record_ids": [records[0].pk]},
        issued_by=manager_user,
    )
    return records


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_support_staff_see_no_report_and_get_no_mail(client, support_user, world):
    support_user.email = "sam@example.org"
    support_user.save()
    client.force_login(support_user)
    assert client.get("/reports/").status_code == 403
    for key in REPORTS:
        assert client.get(f"/reports/{key}/").status_code == 403
    reports_mail(now=timezone.now())
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]


def test_a_replayed_mailing_sends_nothing_more(world):
    now = timezone.now()
    assert reports_mail(now=now) == {"sent": 1, "recipients": 1}
    assert reports_mail(now=now + timedelta(hours=1)) == {"sent": 0, "recipients": 0}
    assert len(mail.outbox) == 1
    assert ReportMailing.objects.count() == 1
    assert AuditEvent.objects.filter(action="reports.sent").count() == 1


def test_a_bad_period_is_a_400_naming_the_problem(client, auditor_user):
    client.force_login(auditor_user)
    assert b"must be dates" in client.get("/reports/records-due/", {"from": "x", "to": "y"}).content
    reversed_period = client.get(
        "/reports/records-due/", {"from": "2030-02-01", "to": "2030-01-01"}
    )
    assert reversed_period.status_code == 400
    assert b"From is after To" in reversed_period.content
    assert client.get("/reports/no-such-report/").status_code == 404


def test_records_due_lists_the_period_with_holds_and_links(client, auditor_user, world):
    client.force_login(auditor_user)
    due = world[0].disposition_due.date()
    page = client.get(
        "/reports/records-due/",
        {"from": due.isoformat(), "to": (due + timedelta(days=5)).isoformat()},
    )
    assert page.status_code == 200
    assert f'href="/records/{world[0].pk}/"'.encode() in page.content
    rows = _csv_rows(
        client.get(
            "/reports/records-due/",
            {"from": due.isoformat(), "to": (due + timedelta(days=5)).isoformat(), "format": "csv"},
        )
    )
    assert rows[0][0] == "record"
    by_record = {row[0]: row for row in rows[1:]}
    assert by_record[str(world[0].pk)][-1].startswith("hold ")
    outside = client.get(
        "/reports/records-due/", {"from": "2001-01-01", "to": "2001-01-31", "format": "csv"}
    )
    assert len(_csv_rows(outside)) == 1  # the header only


def test_every_report_renders_and_the_mail_carries_each_as_csv(client, manager_user, world):
    subject_request_create(
        created_by=manager_user, kind="access", jurisdiction="CA", email="p@example.com"
    )
    call_command("run_job", "sample_qa_reviews", "--now", NOW.isoformat())
    client.force_login(manager_user)
    for key in REPORTS:
        assert client.get(f"/reports/{key}/").status_code == 200, key
    held = _csv_rows(client.get("/reports/held-records/", {"format": "csv"}))
    assert held[1][1:2] == ["Smith v. Acme"]
    assert held[1][-1] == "1"
    reports_mail(now=timezone.now())
    (message,) = mail.outbox
    assert {name.rsplit("-", 3)[0] for name, _, _ in message.attachments} == set(REPORTS)
    assert "p@example.com" not in str(message.attachments)
