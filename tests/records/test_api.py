import pytest

from records.models import Record
from retention.services.holds import legal_hold_place
from tests.factories import TOKEN_AUTH_QUERIES, make_chat
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(file_plan):
    make_chat(country="US", region="", started_at="2018-01-01T00:00:00+00:00")
    make_chat(country="CA", region="", started_at="2025-01-01T00:00:00+00:00")
    make_chat(country="", region="", customer=None, started_at="2016-01-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    return list(Record.objects.order_by("pk"))


@pytest.mark.parametrize("client_name", ["manager_api", "auditor_api"])
def test_managers_and_auditors_list_records(client_name, request, records):
    body = request.getfixturevalue(client_name).get("/api/v1/records/").json()
    assert body["count"] == 3
    assert {"id", "chat", "chat_external_id", "disposition_due", "status", "holds"} <= set(
        body["results"][0]
    )


def test_support_staff_cannot_list_records(support_api, records):
    response = support_api.get("/api/v1/records/")
    assert response.status_code == 403
    assert set(response.json()) == {"message", "extra"}
    assert support_api.get(f"/api/v1/records/{records[0].pk}/").status_code == 403
    assert support_api.get(f"/api/v1/records/{records[0].pk}/history/").status_code == 403


def test_filters(manager_api, manager_user, records):
    us, ca, unknown = records
    legal_hold_place(matter="m", reason="r", scope={"record_ids": [ca.pk]}, issued_by=manager_user)

    def ids(**params):
        return [r["id"] for r in manager_api.get("/api/v1/records/", params).json()["results"]]

    assert ids(status="flagged") == [unknown.pk]
    assert ids(country="us") == [us.pk]
    assert ids(country="unknown") == [unknown.pk]
    assert ids(record_class="CS-CHAT") == [us.pk, ca.pk, unknown.pk]
    assert ids(due_before="2026-01-01T00:00:00Z") == [us.pk]
    assert ids(held="true") == [ca.pk]
    assert ids(held="false") == [us.pk, unknown.pk]


def test_detail_explains_the_date(manager_api, manager_user, records):
    us = records[0]
    hold = legal_hold_place(
        matter="m", reason="r", scope={"record_ids": [us.pk]}, issued_by=manager_user
    )
    body = manager_api.get(f"/api/v1/records/{us.pk}/").json()
    assert body["chat"] == us.chat_id
    assert body["chat_external_id"] == us.chat.external_id
    assert body["holds"] == [hold.pk]
    explanation = body["explanation"]
    assert explanation["schedule"]["jurisdiction"] == "US"
    assert explanation["schedule"]["period"] == "5y"
    assert explanation["trigger"] == "chat_ended"
    assert explanation["held"] is True
    assert "due 2023-01-01" in explanation["summary"]
    flagged = manager_api.get(f"/api/v1/records/{records[2].pk}/").json()
    assert flagged["disposition_due"] is None
    assert "country unknown" in flagged["explanation"]["summary"]


def test_history(auditor_api, records):
    body = auditor_api.get(f"/api/v1/records/{records[0].pk}/history/").json()
    assert body["results"][0]["type"] == "created"
    assert body["results"][0]["reason"] == "declared"


def test_list_query_count_is_constant(manager_api, records, django_assert_num_queries):
    # token auth (user and groups), count, page, holds of the page
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 3):
        manager_api.get("/api/v1/records/")
    make_chat(country="US", region="", started_at="2018-01-01T00:00:00+00:00")
    from records.services import records_declare

    records_declare(now=NOW)
    # `held` also reads the open data-subject requests, whose identities hold chats (R-HOLD-2)
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 4):
        manager_api.get("/api/v1/records/?held=false")


def test_chat_api_shows_record_id(manager_api, records):
    body = manager_api.get(f"/api/v1/chats/{records[0].chat_id}/").json()
    assert body["record"] == records[0].pk


@pytest.mark.parametrize(
    ("client_name", "status"), [("manager_api", 201), ("auditor_api", 403), ("support_api", 403)]
)
def test_customer_event_role_matrix(client_name, status, request, records):
    from records.models import RetentionSchedule

    # A trigger event must be the trigger of some schedule and carry a reason (issue #12).
    RetentionSchedule.objects.filter(jurisdiction="CA").update(trigger="account_closed")
    client = request.getfixturevalue(client_name)
    response = client.post(
        "/api/v1/customer-events/",
        {
            "customer": records[0].chat.customer_id,
            "event": "account_closed",
            "occurred_at": "2020-01-01T00:00:00Z",
            "reason": "CRM",
        },
        format="json",
    )
    assert response.status_code == status


def test_record_classes_readable(auditor_api, support_api, records):
    assert auditor_api.get("/api/v1/record-classes/").json()["count"] == 4
    assert support_api.get("/api/v1/record-classes/").status_code == 403
