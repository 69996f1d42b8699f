import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from chats.models import Message
from privacy.models import DataSubjectMatch, DataSubjectRequest
from tests.factories import TOKEN_AUTH_QUERIES
from tests.privacy.conftest import EMAIL, person_chat

ACTIONS = ["search", "export", "erase", "close", "matches/confirm"]


@pytest.fixture
def dsr(file_plan: None, make_request: Callable[..., DataSubjectRequest]) -> DataSubjectRequest:
    person_chat("2016-03-01T10:00:00+00:00", number=1)
    return make_request(kind="erasure", jurisdiction="US")


def _snapshot(dsr: DataSubjectRequest) -> tuple[Any, ...]:
    dsr.refresh_from_db()
    return (
        dsr.status,
        dsr.result,
        dsr.searched_at,
        AuditEvent.objects.count(),
        Message.objects.count(),
        list(DataSubjectMatch.objects.values_list("confirmed", flat=True)),
    )


def test_support_staff_gets_403_everywhere(dsr: DataSubjectRequest, support_api: APIClient) -> None:
    before = _snapshot(dsr)
    assert support_api.get("/api/v1/subject-requests/").status_code == 403
    assert support_api.get(f"/api/v1/subject-requests/{dsr.pk}/").status_code == 403
    response = support_api.post(
        "/api/v1/subject-requests/", {"kind": "access", "jurisdiction": "CA", "email": "a@b.ca"}
    )
    assert response.status_code == 403
    for action in ACTIONS:
        assert (
            support_api.post(f"/api/v1/subject-requests/{dsr.pk}/{action}/", {}).status_code == 403
        )
    assert _snapshot(dsr) == before
    assert DataSubjectRequest.objects.count() == 1


def test_auditor_reads_but_changes_nothing(dsr: DataSubjectRequest, auditor_api: APIClient) -> None:
    before = _snapshot(dsr)
    listed = auditor_api.get("/api/v1/subject-requests/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    detail = auditor_api.get(f"/api/v1/subject-requests/{dsr.pk}/").json()
    assert detail["law"] == "CCPA"
    assert len(detail["matches"]) == 1
    response = auditor_api.post(
        "/api/v1/subject-requests/", {"kind": "access", "jurisdiction": "CA", "email": "a@b.ca"}
    )
    assert response.status_code == 403
    for action in ACTIONS:
        body = {"status": "completed", "outcome": "x", "matches": [1]}
        assert (
            auditor_api.post(f"/api/v1/subject-requests/{dsr.pk}/{action}/", body).status_code
            == 403
        )
    assert _snapshot(dsr) == before
    assert DataSubjectRequest.objects.count() == 1


def test_anonymous_is_refused(dsr: DataSubjectRequest) -> None:
    assert APIClient().get("/api/v1/subject-requests/").status_code in (401, 403)


def test_manager_creates_erases_and_closes(file_plan: None, manager_api: APIClient) -> None:
    chat = person_chat("2016-03-01T10:00:00+00:00", number=1)
    created = manager_api.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "jurisdiction": "US", "email": EMAIL, "reference": "T-9"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["law"] == "CCPA"
    assert [m["chat"] for m in body["matches"]] == [chat.pk]
    pk = body["id"]

    erased = manager_api.post(f"/api/v1/subject-requests/{pk}/erase/")
    assert erased.status_code == 200
    assert [(i["chat"], i["outcome"]) for i in erased.json()["items"]] == [(chat.pk, "erased")]
    assert not Message.objects.filter(chat=chat).exists()

    closed = manager_api.post(
        f"/api/v1/subject-requests/{pk}/close/", {"status": "completed", "outcome": "Erased 1."}
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "completed"
    assert manager_api.post(f"/api/v1/subject-requests/{pk}/search/").status_code == 409
    actions = list(
        AuditEvent.objects.filter(target_type="privacy.datasubjectrequest").values_list(
            "action", flat=True
        )
    )
    assert actions[0] == "dsr.received"
    assert "dsr.erased" in actions
    assert actions[-1] == "dsr.completed"


def test_create_validation_errors_are_400(manager_api: APIClient) -> None:
    response = manager_api.post(
        "/api/v1/subject-requests/", {"kind": "access", "jurisdiction": "CA"}
    )
    assert response.status_code == 400
    assert "message" in response.json()
    response = manager_api.post(
        "/api/v1/subject-requests/", {"kind": "access", "jurisdiction": "FR", "email": "a@b.fr"}
    )
    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "html", "zip"])
def test_manager_exports(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_api: APIClient,
    fmt: str,
) -> None:
    person_chat("2025-01-01T10:00:00+00:00", number=1)
    dsr = make_request(kind="access")
    response = manager_api.post(f"/api/v1/subject-requests/{dsr.pk}/export/?format={fmt}")
    assert response.status_code == 200
    assert f"subject-request-{dsr.pk}.{fmt}" in response["Content-Disposition"]
    if fmt == "json":
        assert json.loads(response.content)["chats"][0]["customer"]["email"] == EMAIL


def test_list_query_count_is_fixed(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_api: APIClient,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(3):
        make_request()
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2):
        response = manager_api.get("/api/v1/subject-requests/", {"overdue": "false"})
    assert response.json()["count"] == 3
