"""Item 5 of issue #12: a schedule change and the recompute of its records are one transaction.

A change that fails (invalid value, implausible period, an error half-way through the recompute)
changes nothing: not the schedule, not its history, not a record, not the audit log. Never a 500.
`dry_run` answers the impact and saves nothing."""

import json

import pytest

from audit.models import AuditEvent
from records.models import Record
from retention.models import RetentionSchedule
from retention.services import schedules
from retention.services.schedules import retention_schedule_save
from tests.factories import make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _world(due_records):
    records = due_records(5)
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    return schedule, records


def _state(schedule, records):
    schedule.refresh_from_db()
    return {
        "schedule": [
            (getattr(schedule, name)) for name in schedules.SCHEDULE_FIELDS if name != "citation"
        ],
        "schedule_history": schedule.history.count(),
        "records": list(
            Record.objects.filter(pk__in=[r.pk for r in records])
            .order_by("pk")
            .values_list("disposition_due", "pii_purge_due", "status", "schedule_id")
        ),
        "record_history": Record.history.count(),
        "audit": AuditEvent.objects.count(),
        "schedules": RetentionSchedule.objects.count(),
    }


def test_nine_thousand_years_is_a_clear_400_and_changes_nothing(due_records, manager_api):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"retention_years": 9000, "reason": "keep forever"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["field"] == "retention_years"
    assert "retain" in body["message"]
    assert _state(schedule, records) == before


@pytest.mark.parametrize(
    "change",
    [
        {"retention_days": 10**12},
        {"retention_months": 10**7},
        {"pii_period_days": 10**8},
        {"retention_years": -1},
        {"effective_to": "10000-01-01T00:00:00Z"},
        {"action": "shred"},
        {"jurisdiction": "not a place"},
        {"trigger": ""},
    ],
)
def test_implausible_values_are_refused_without_change(due_records, manager_api, change):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/", {**change, "reason": "x"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "message" in response.json()
    assert _state(schedule, records) == before


def test_huge_period_in_the_service_is_refused_too(due_records, manager_user):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    with pytest.raises(schedules.ApplicationError) as error:
        retention_schedule_save(
            schedule=schedule,
            record_class=schedule.record_class,
            data={"retention_years": 9000},
            changed_by=manager_user,
            reason="forever",
            now=NOW,
        )
    assert error.value.extra["field"] == "retention_years"
    assert _state(schedule, records) == before


def test_a_failure_during_the_recompute_changes_nothing(due_records, manager_api, monkeypatch):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    monkeypatch.setattr(schedules, "RECOMPUTE_CHUNK_SIZE", 2)
    real_fill = schedules.records_retention_fill
    calls = []

    def failing_fill(records, *, now):
        calls.append(len(records))
        if len(calls) == 2:  # the first chunk is already written
            raise RuntimeError("disk full")
        return real_fill(records, now=now)

    monkeypatch.setattr(schedules, "records_retention_fill", failing_fill)
    manager_api.raise_request_exception = False
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"retention_years": 20, "reason": "longer"},
        format="json",
    )
    assert response.status_code == 500
    assert len(calls) == 2
    assert _state(schedule, records) == before


def test_the_change_and_the_recompute_happen_together(due_records, manager_api):
    schedule, records = _world(due_records)
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"retention_years": 20, "reason": "new statute"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    schedule.refresh_from_db()
    assert schedule.retention_years == 20
    assert schedule.history.first().history_change_reason == "new statute"
    for record in records:
        record.refresh_from_db()
        assert record.disposition_due == record.trigger_at.replace(year=record.trigger_at.year + 20)
    event = AuditEvent.objects.get(action="schedule.changed")
    assert event.data["reason"] == "new statute"


def test_every_write_needs_a_reason(due_records, manager_api):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    for body in ({"retention_years": 7}, {"retention_years": 7, "reason": "  "}):
        response = manager_api.patch(
            f"/api/v1/retention-schedules/{schedule.pk}/", body, format="json"
        )
        assert response.status_code == 400
        assert "reason" in json.dumps(response.json())
    assert _state(schedule, records) == before


def test_create_a_schedule_through_the_api(due_records, manager_api, auditor_api):
    due_records(1)
    make_chat(country="FR", region="", started_at="2018-01-01T10:00:00+00:00")
    body = {
        "record_class": "CS-CHAT",
        "jurisdiction": "fr",
        "retention_years": 2,
        "pii_period_days": 30,
        "action": "destroy",
        "citation": "Example FR.",
        "reason": "French branch opened",
    }
    count = RetentionSchedule.objects.count()
    assert auditor_api.post("/api/v1/retention-schedules/", body, format="json").status_code == 403
    assert RetentionSchedule.objects.count() == count
    response = manager_api.post("/api/v1/retention-schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["jurisdiction"] == "FR"
    unknown = manager_api.post(
        "/api/v1/retention-schedules/", {**body, "record_class": "NOPE"}, format="json"
    )
    assert unknown.status_code == 400
    assert RetentionSchedule.objects.count() == count + 1


def test_dry_run_answers_the_impact_and_saves_nothing(due_records, manager_api):
    schedule, records = _world(due_records)
    before = _state(schedule, records)
    response = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"retention_years": 50, "reason": "what if", "dry_run": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True
    assert body["records_moved"] == 5
    assert body["records_due_now"] == 0
    assert len(body["examples"]) >= 1
    example = body["examples"][0]
    assert {"record", "disposition_due_before", "disposition_due_after"} <= set(example)
    assert _state(schedule, records) == before
    shorter = manager_api.patch(
        f"/api/v1/retention-schedules/{schedule.pk}/",
        {"retention_years": 1, "reason": "what if", "dry_run": True},
        format="json",
    ).json()
    assert shorter["records_moved"] == 5
    assert shorter["records_due_now"] == 5
    assert _state(schedule, records) == before


def test_a_date_past_year_9999_is_kept_not_a_crash():
    from datetime import UTC, datetime

    from retention.rules import disposition_due_compute

    late = datetime(9500, 1, 1, tzinfo=UTC)
    assert disposition_due_compute(late, action="destroy", years=999, months=0, days=0) is None
    assert disposition_due_compute(late, action="retain", years=1, months=0, days=0) is None


def test_the_schedule_page_offers_the_new_actions_and_refuses_huge_periods(
    due_records, manager_user
):
    from django.test import Client

    from tests.conftest import PASSWORD

    schedule, records = _world(due_records)
    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    page = client.get(f"/file-plan/schedules/{schedule.pk}/").content.decode()
    assert 'value="retain"' in page
    assert 'value="review"' in page
    before = _state(schedule, records)
    form = {
        "record_class": schedule.record_class_id,
        "jurisdiction": "US",
        "retention_years": 9000,
        "retention_months": 0,
        "retention_days": 0,
        "trigger": "chat_ended",
        "pii_period_days": 365,
        "action": "destroy",
        "citation": "x",
        "reason": "forever",
    }
    response = client.post(f"/file-plan/schedules/{schedule.pk}/", form)
    assert response.status_code == 200
    assert "action=retain" in response.content.decode()
    assert _state(schedule, records) == before
    response = client.post(
        f"/file-plan/schedules/{schedule.pk}/", {**form, "retention_years": 5, "action": "retain"}
    )
    assert response.status_code == 302
    assert all(
        due is None
        for due in Record.objects.filter(pk__in=[r.pk for r in records]).values_list(
            "disposition_due", flat=True
        )
    )
