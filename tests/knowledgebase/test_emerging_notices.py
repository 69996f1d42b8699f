"""Issue #17 item 3: a new problem is flagged by the daily API within 2 days of its onset with no
false alarm in the 30 quiet days before (a generated scenario with its own values), and each new
emerging issue is sent once, by e-mail to records managers and by the `trend.emerging` webhook;
a replayed job, or the surge's next day, sends nothing again."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from core.jobs import job_run
from knowledgebase.models import EmergingIssueNotice
from knowledgebase.selectors.emerging import trends_emerging_issues_daily
from knowledgebase.services.analysis import chats_analyse
from outbox.models import WebhookDelivery
from outbox.services import webhook_subscription_create
from tests.knowledgebase.surge_scenarios import Scenario, surge_scenario

pytestmark = pytest.mark.usefixtures("taxonomy")
ONSET = date(2026, 8, 19)


@pytest.fixture
def scenario(db: None) -> Scenario:
    built = surge_scenario(seed=4242, onset=ONSET, quiet_range=(2, 7), surge_start=5, problem=1)
    chats_analyse(now=datetime(2026, 9, 1, tzinfo=UTC))
    return built


def _at(day: date, hour: int = 23) -> datetime:
    return datetime.combine(day, time(hour, 30), tzinfo=UTC)


def test_a_doorbell_surge_is_flagged_within_two_days_and_the_quiet_month_is_silent(
    scenario: Scenario, support_api
) -> None:
    for offset in range(1, scenario.quiet_days + 1):
        day = ONSET - timedelta(days=offset)
        response = support_api.get(
            "/api/v1/trends/emerging/", {"as_of": day.isoformat(), "granularity": "day"}
        )
        assert response.json()["results"] == [], f"false alarm on {day}"
    flagged = [
        ONSET + timedelta(days=offset)
        for offset in range(2)
        if support_api.get(
            "/api/v1/trends/emerging/",
            {"as_of": (ONSET + timedelta(days=offset)).isoformat(), "granularity": "day"},
        ).json()["results"]
    ]
    assert flagged, "not flagged within two days of the onset"
    issue = trends_emerging_issues_daily(as_of=flagged[0])[0]
    assert {"doorbell", "firmware push", "camera"} & set(issue.keywords)
    assert set(issue.example_chats) <= {chat.pk for chat in scenario.new}


def test_each_new_issue_is_sent_once_by_mail_and_webhook_and_a_replay_sends_nothing(
    scenario: Scenario, manager_user, support_user, admin_user
) -> None:
    manager_user.email = "records@example.org"
    manager_user.save()
    support_user.email = "agent@example.org"
    support_user.save()
    admin_user.email = ""
    admin_user.save()
    webhook_subscription_create(
        name="crm",
        url="https://crm.example.org/hooks",
        events=["trend.emerging"],
        created_by=admin_user,
    )

    for offset in range(1, 8):  # the quiet week before the onset: nothing to send
        assert job_run(name="notify_emerging_issues", now=_at(ONSET - timedelta(days=offset))).ok
    assert mail.outbox == []
    first = job_run(name="notify_emerging_issues", now=_at(ONSET + timedelta(days=1)))
    replay = job_run(name="notify_emerging_issues", now=_at(ONSET + timedelta(days=1)))
    next_day = job_run(name="notify_emerging_issues", now=_at(ONSET + timedelta(days=2)))

    assert first.counts["new"] == 1
    assert replay.counts["new"] == next_day.counts["new"] == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["records@example.org"]  # managers only, not support staff
    notice = EmergingIssueNotice.objects.get()
    assert notice.keyword in mail.outbox[0].subject
    assert notice.emailed_at is not None
    delivery = WebhookDelivery.objects.get(event="trend.emerging")
    assert notice.keyword in delivery.body
    assert "doorbell" in delivery.body
    assert "firmware push broke" not in delivery.body  # terms and counts, never message text


def test_the_trends_page_shows_the_days_emerging_issue(scenario: Scenario, client, auditor_user):
    client.force_login(auditor_user)
    day = ONSET + timedelta(days=1)

    page = client.get("/kb/trends/", {"as_of": day.isoformat()}).content.decode()
    quiet = client.get("/kb/trends/", {"as_of": (ONSET - timedelta(days=3)).isoformat()})

    issue = trends_emerging_issues_daily(as_of=day)[0]
    assert f"Emerging issues on {day.isoformat()}" in page
    assert f"?keyword={issue.keyword}" in page.replace("%20", " ")
    assert f"#{issue.example_chats[0]}" in page
    assert "No emerging issue on this day." in quiet.content.decode()
