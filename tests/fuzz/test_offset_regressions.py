"""UTC offsets beyond ±15:59 (Python accepts up to ±23:59, PostgreSQL refuses them) used to reach
the database and answer HTTP 500 on PostgreSQL; found by the schemathesis run (issue #8). They now
mean the same instant in UTC, and a moment outside the representable range is a 4xx."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from chats.models import Chat
from retention.models import LegalHold
from tests.factories import chat_dict, make_chat

ODD = "2025-03-01T20:00:00-16:19"  # = 2025-03-02T12:19:00Z
ODD_UTC = datetime(2025, 3, 2, 12, 19, tzinfo=UTC)
OVERFLOW = "9999-12-31T23:59:59-16:00"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/chats/", "started_after"),
        ("/api/v1/chats/", "started_before"),
        ("/api/v1/records/", "due_before"),
        ("/api/v1/audit-events/", "occurred_after"),
        ("/api/v1/audit-events/", "occurred_before"),
    ],
)
def test_list_filters_take_any_offset_and_refuse_overflow(
    manager_api: APIClient, path: str, parameter: str
) -> None:
    assert manager_api.get(path, {parameter: ODD}).status_code == 200
    assert manager_api.get(path, {parameter: OVERFLOW}).status_code == 400


def test_chat_filter_compares_the_instant_in_utc(manager_api: APIClient) -> None:
    before = make_chat(started_at="2025-03-02T12:00:00+00:00")
    after = make_chat(started_at="2025-03-02T12:30:00+00:00")
    response = manager_api.get("/api/v1/chats/", {"started_after": ODD})
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [after.pk]
    assert before.pk not in ids


def test_chat_ingest_stores_the_same_instant(admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/chats/", chat_dict(started_at=ODD), format="json")
    assert response.status_code == 201
    assert Chat.objects.get().started_at == ODD_UTC


def test_chat_ingest_refuses_a_moment_out_of_range(admin_api: APIClient) -> None:
    payload = chat_dict(started_at="2025-03-01T00:00:00+00:00")
    payload["ended_at"] = OVERFLOW
    response = admin_api.post("/api/v1/chats/", payload, format="json")
    assert response.status_code == 400
    assert Chat.objects.count() == 0


def test_hold_scope_dates_take_any_offset(manager_api: APIClient) -> None:
    scope = {"started_after": ODD}
    preview = manager_api.post("/api/v1/legal-holds/preview/", {"scope": scope}, format="json")
    assert preview.status_code == 200
    created = manager_api.post(
        "/api/v1/legal-holds/",
        {"matter": "m", "reason": "r", "scope": scope},
        format="json",
    )
    assert created.status_code == 201
    assert datetime.fromisoformat(LegalHold.objects.get().scope["started_after"]) == ODD_UTC


def test_hold_scope_date_out_of_range_is_refused(manager_api: APIClient) -> None:
    response = manager_api.post(
        "/api/v1/legal-holds/",
        {"matter": "m", "reason": "r", "scope": {"started_after": OVERFLOW}},
        format="json",
    )
    assert response.status_code == 400
    assert LegalHold.objects.count() == 0


def test_odata_agent_period_takes_any_offset(manager_api: APIClient) -> None:
    response = manager_api.get("/odata/AgentMetrics", {"start": ODD})
    assert response.status_code == 200
    assert manager_api.get("/odata/AgentMetrics", {"start": OVERFLOW}).status_code == 400
