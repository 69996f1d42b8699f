from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from audit.models import AuditEvent
from privacy.models import DataSubjectRequest
from tests.conftest import PASSWORD
from tests.privacy.conftest import EMAIL, NOW, person_chat


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def dsr(file_plan: None, make_request: Callable[..., DataSubjectRequest]) -> DataSubjectRequest:
    person_chat("2025-01-01T10:00:00+00:00", number=1)
    return make_request(kind="access", received_at=NOW - timedelta(days=400))


def test_support_staff_gets_403(dsr: DataSubjectRequest, support_user: User) -> None:
    client = _client(support_user)
    assert client.get("/subject-requests/").status_code == 403
    assert client.get(f"/subject-requests/{dsr.pk}/").status_code == 403
    events = AuditEvent.objects.count()
    assert client.post(f"/subject-requests/{dsr.pk}/", {"action": "export"}).status_code == 403
    assert (
        client.post(
            "/subject-requests/", {"kind": "access", "jurisdiction": "CA", "email": "a@b.ca"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.count() == events
    assert DataSubjectRequest.objects.count() == 1


def test_auditor_reads_but_cannot_act(dsr: DataSubjectRequest, auditor_user: User) -> None:
    client = _client(auditor_user)
    listing = client.get("/subject-requests/").content.decode()
    assert "overdue" in listing
    assert 'class="overdue"' in listing
    page = client.get(f"/subject-requests/{dsr.pk}/").content.decode()
    assert "Export the person" not in page
    events = AuditEvent.objects.count()
    for action in ("export", "search", "close"):
        assert client.post(f"/subject-requests/{dsr.pk}/", {"action": action}).status_code == 403
    dsr.refresh_from_db()
    assert dsr.status == "open"
    assert AuditEvent.objects.count() == events


def test_manager_records_a_request_on_the_page(file_plan: None, manager_user: User) -> None:
    client = _client(manager_user)
    response = client.post(
        "/subject-requests/", {"kind": "erasure", "jurisdiction": "CA", "email": EMAIL}
    )
    assert response.status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.law == "PIPEDA"
    assert response["Location"].endswith(f"/subject-requests/{dsr.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Erase what may be erased" in page


def test_manager_downloads_the_bundle_and_closes(
    dsr: DataSubjectRequest, manager_user: User
) -> None:
    client = _client(manager_user)
    response = client.post(f"/subject-requests/{dsr.pk}/", {"action": "export", "format": "zip"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    response = client.post(
        f"/subject-requests/{dsr.pk}/",
        {"action": "close", "status": "completed", "outcome": "Sent."},
    )
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == "completed"


def test_erase_needs_the_confirmation_box(
    file_plan: None, make_request: Callable[..., DataSubjectRequest], manager_user: User
) -> None:
    chat = person_chat("2016-01-01T10:00:00+00:00", number=1)
    dsr = make_request(kind="erasure", jurisdiction="US")
    client = _client(manager_user)
    client.post(f"/subject-requests/{dsr.pk}/", {"action": "erase"})
    assert chat.messages.exists()
    client.post(f"/subject-requests/{dsr.pk}/", {"action": "erase", "confirm": "on"})
    assert not chat.messages.exists()
    page = client.get(f"/subject-requests/{dsr.pk}/").content.decode()
    assert "retention period over" in page


def test_list_page_query_count_is_fixed(
    file_plan: None,
    make_request: Callable[..., DataSubjectRequest],
    manager_user: User,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(3):
        make_request()
    client = _client(manager_user)
    client.get("/subject-requests/")
    with django_assert_num_queries(5):
        response = client.get("/subject-requests/")
    assert response.content.decode().count("/subject-requests/") >= 3
