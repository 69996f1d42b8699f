"""SPEC §4.1: a schedule write that shortens a retention or PII period answers 202 and changes
nothing until ANOTHER records manager approves it; cutoff and vital are schedule fields."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from audit.models import AuditEvent
from core.roles import Role
from records.models import Record, RetentionSchedule, RetentionScheduleChange
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def us(due_records):
    records = due_records(2)
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    return schedule, records


@pytest.fixture
def second_manager(make_user):
    return make_user(Role.RECORDS_MANAGER)


def _dues(records):
    return [Record.objects.get(pk=r.pk).disposition_due for r in records]


def _url(schedule):
    return f"/api/v1/retention-schedules/{schedule.pk}/"


def test_a_shortening_patch_answers_202_and_changes_nothing(manager_api, us):
    schedule, records = us
    before = _dues(records)
    response = manager_api.patch(
        _url(schedule), {"retention_years": 3, "reason": "counsel says 3"}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["state"] == "pending_approval"
    change = RetentionScheduleChange.objects.get(pk=body["change"])
    assert change.shortens == ["retention"]
    schedule.refresh_from_db()
    assert schedule.retention_years == 5
    assert _dues(records) == before
    assert AuditEvent.objects.filter(action="schedule.change_proposed").count() == 1
    assert not AuditEvent.objects.filter(action="schedule.changed").exists()


def test_a_shorter_pii_period_also_waits(manager_api, us):
    schedule, _ = us
    response = manager_api.patch(
        _url(schedule), {"pii_period_days": 30, "reason": "minimise"}, format="json"
    )
    assert response.status_code == 202
    schedule.refresh_from_db()
    assert schedule.pii_period_days == 365


def test_the_proposer_cannot_approve_their_own_change(manager_api, us):
    schedule, _records = us
    change = manager_api.patch(
        _url(schedule), {"retention_years": 3, "reason": "r"}, format="json"
    ).json()["change"]
    response = manager_api.post(f"/api/v1/retention-schedule-changes/{change}/approve/")
    assert response.status_code == 403
    assert "four-eyes" in response.json()["message"].lower()
    schedule.refresh_from_db()
    assert schedule.retention_years == 5


def test_an_auditor_cannot_approve_and_nothing_moves(manager_api, auditor_api, us):
    schedule, records = us
    before = _dues(records)
    change = manager_api.patch(
        _url(schedule), {"retention_years": 3, "reason": "r"}, format="json"
    ).json()["change"]
    response = auditor_api.post(f"/api/v1/retention-schedule-changes/{change}/approve/")
    assert response.status_code == 403
    assert _dues(records) == before
    assert RetentionScheduleChange.objects.get(pk=change).state == "pending_approval"
    # The auditor reads the pending changes.
    listed = auditor_api.get("/api/v1/retention-schedule-changes/?state=pending_approval")
    assert [c["id"] for c in listed.json()["results"]] == [change]


def test_another_manager_approves_once_and_the_records_are_recomputed(
    manager_api, api_client_for, second_manager, us
):
    schedule, records = us
    change = manager_api.patch(
        _url(schedule), {"retention_years": 3, "reason": "counsel"}, format="json"
    ).json()["change"]
    other = api_client_for(second_manager)
    response = other.post(f"/api/v1/retention-schedule-changes/{change}/approve/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "applied"
    schedule.refresh_from_db()
    assert schedule.retention_years == 3
    assert all(due.year == 2021 for due in _dues(records))
    assert AuditEvent.objects.filter(action="schedule.change_approved").count() == 1
    changed = AuditEvent.objects.get(action="schedule.changed")
    assert changed.actor_username == second_manager.username
    again = other.post(f"/api/v1/retention-schedule-changes/{change}/approve/")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="schedule.changed").count() == 1


def test_a_change_approved_after_the_schedule_was_edited_is_stale(
    manager_api, api_client_for, second_manager, us
):
    schedule, records = us
    change = manager_api.patch(
        _url(schedule), {"retention_years": 3, "reason": "r"}, format="json"
    ).json()["change"]
    edited = manager_api.patch(
        _url(schedule), {"retention_years": 8, "reason": "longer after all"}, format="json"
    )
    assert edited.status_code == 200
    before = _dues(records)
    response = api_client_for(second_manager).post(
        f"/api/v1/retention-schedule-changes/{change}/approve/"
    )
    assert response.status_code == 409
    assert "stale" in response.json()["message"]
    schedule.refresh_from_db()
    assert schedule.retention_years == 8
    assert _dues(records) == before
    assert RetentionScheduleChange.objects.get(pk=change).state == "stale"


def test_a_dry_run_of_a_shortening_answers_the_impact_and_saves_nothing(manager_api, us):
    schedule, _records = us
    response = manager_api.patch(
        _url(schedule),
        {"retention_years": 3, "reason": "what if", "dry_run": True},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["records_moved"] == 2
    assert body["records_due_now"] == 2
    assert len(body["examples"]) == 2
    assert body["needs_approval"] is True
    assert body["shortens"] == ["retention"]
    assert not RetentionScheduleChange.objects.exists()
    schedule.refresh_from_db()
    assert schedule.retention_years == 5


def test_a_calendar_year_cutoff_lengthens_at_once_and_is_explained(manager_api, us):
    schedule, records = us
    response = manager_api.patch(
        _url(schedule), {"cutoff": "calendar_year", "reason": "close the year"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["cutoff"] == "calendar_year"
    # Ended January 2018 → cutoff 2019-01-01 → +5 years → 2024-01-01.
    assert all(due == datetime(2024, 1, 1, tzinfo=UTC) for due in _dues(records))
    detail = manager_api.get(f"/api/v1/records/{records[0].pk}/").json()
    assert detail["explanation"]["steps"] == (
        "ended 2018-01-01 → cutoff 2019-01-01 → +5 years → 2024-01-01"
    )
    assert "cutoff 2019-01-01" in detail["explanation"]["summary"]
    # The PII period still counts from the trigger, not from the cutoff.
    record = Record.objects.get(pk=records[0].pk)
    assert record.pii_purge_due.year == 2019
    assert record.pii_purge_due.month == 1
    back = manager_api.patch(_url(schedule), {"cutoff": "none", "reason": "undo"}, format="json")
    assert back.status_code == 202  # dropping the cutoff makes dates earlier


def test_year_cutoffs_are_taken_in_the_retention_time_zone(manager_api, file_plan, settings):
    from records.services import records_declare
    from tests.factories import make_chat

    settings.RETENTION_TIME_ZONE = "America/Toronto"
    chat = make_chat(country="US", region="", started_at="2020-12-31T23:20:00-05:00")
    records_declare(now=datetime(2026, 11, 23, tzinfo=UTC))
    schedule = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    assert (
        manager_api.patch(
            _url(schedule), {"cutoff": "calendar_year", "reason": "year end"}, format="json"
        ).status_code
        == 200
    )
    record = Record.objects.get(chat=chat)
    # Ended 23:38 local on 31 December (already 1 January in UTC): cut off 2021-01-01 local.
    assert record.disposition_due == datetime(2026, 1, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"cutoff": "decade"}, "cutoff"),
        ({"vital": "maybe"}, "vital"),
        ({"cutoff": "none"}, "reason"),
    ],
)
def test_malformed_schedule_values_are_a_400_naming_the_field(manager_api, us, payload, field):
    schedule, _ = us
    body = {"reason": "r", **payload} if field != "reason" else payload
    response = manager_api.patch(_url(schedule), body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


def test_vital_is_the_class_flag_written_through_the_schedule_api(manager_api, auditor_api, us):
    schedule, records = us
    response = manager_api.patch(
        _url(schedule), {"vital": True, "reason": "business continuity"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["vital"] is True
    event = AuditEvent.objects.get(action="schedule.changed")
    assert event.data["changes"]["vital"] == {"before": False, "after": True}
    listed = auditor_api.get("/api/v1/retention-schedules/").json()["results"]
    assert {row["vital"] for row in listed if row["record_class"] == "CS-CHAT"} == {True}
    assert all("cutoff" in row for row in listed)
    detail = auditor_api.get(f"/api/v1/records/{records[0].pk}/").json()
    assert detail["vital"] is True
    assert detail["explanation"]["vital"] is True
    refused = auditor_api.patch(_url(schedule), {"vital": False, "reason": "x"}, format="json")
    assert refused.status_code == 403


def test_the_pending_changes_page_lets_the_second_manager_approve(manager_user, second_manager, us):
    schedule, _records = us
    proposer = Client()
    assert proposer.login(username=manager_user.username, password=PASSWORD)
    form = {
        "record_class": schedule.record_class_id,
        "jurisdiction": "US",
        "retention_years": 2,
        "retention_months": 0,
        "retention_days": 0,
        "trigger": "chat_ended",
        "cutoff": "none",
        "pii_period_days": 365,
        "action": "destroy",
        "citation": "x",
        "reason": "shorter",
    }
    response = proposer.post(f"/file-plan/schedules/{schedule.pk}/", form)
    assert response.status_code == 302
    change = RetentionScheduleChange.objects.get()
    page = proposer.get("/file-plan/schedule-changes/").content.decode()
    assert f"Approve change {change.pk}" not in page
    assert "another manager approves" in page
    approver = Client()
    assert approver.login(username=second_manager.username, password=PASSWORD)
    page = approver.get("/file-plan/schedule-changes/").content.decode()
    assert f'aria-label="Approve change {change.pk}"' in page
    response = approver.post(f"/file-plan/schedule-changes/{change.pk}/approve/")
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.retention_years == 2
    plan = approver.get("/file-plan/").content.decode()
    assert "Cutoff" in plan
    assert "Vital" in plan


def test_a_vital_record_says_so_on_its_page_and_in_its_export_bag(manager_user, us, tmp_path):
    from records.models import RecordClass
    from retention.packaging.bag import records_bag_write

    schedule, records = us
    RecordClass.objects.filter(pk=schedule.record_class_id).update(vital=True)
    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    page = client.get(f"/records/{records[0].pk}/").content.decode()
    assert "(vital record)" in page
    assert "ended 2018-01-01 → +5 years → 2023-01-01" in page
    records_bag_write(
        out=tmp_path / "bag",
        records=Record.objects.filter(pk=records[0].pk),
        filters={},
    )
    line = (tmp_path / "bag" / "data" / "records.jsonl").read_text(encoding="utf-8")
    assert '"vital": true' in line
