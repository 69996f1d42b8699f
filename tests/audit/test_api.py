import pytest
from django.test import Client

from audit.models import AuditEvent
from audit.services import audit_event_record
from tests.conftest import PASSWORD
from tests.factories import TOKEN_AUTH_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(db):
    audit_event_record(actor=None, action="hold.placed", target_type="x", target_id=1)
    audit_event_record(actor=None, action="hold.released", target_type="x", target_id=1)
    audit_event_record(actor=None, action="disposal.approved", target_type="y", target_id=2)


@pytest.mark.parametrize("client_name", ["manager_api", "auditor_api"])
def test_list_and_filter(client_name, request, events):
    client = request.getfixturevalue(client_name)
    assert client.get("/api/v1/audit-events/").json()["count"] == 3
    assert client.get("/api/v1/audit-events/", {"action": "hold"}).json()["count"] == 2
    assert client.get("/api/v1/audit-events/", {"action": "hold.placed"}).json()["count"] == 1
    assert client.get("/api/v1/audit-events/", {"target_type": "y"}).json()["count"] == 1


def test_support_staff_cannot_read_audit(support_api, support_user, events):
    assert support_api.get("/api/v1/audit-events/").status_code == 403
    client = Client()
    client.login(username=support_user.username, password=PASSWORD)
    assert client.get("/audit/").status_code == 403


def test_auditor_cannot_write(auditor_api, events):
    assert auditor_api.post("/api/v1/audit-events/", {}, format="json").status_code == 403
    assert AuditEvent.objects.count() == 3


def test_verify_reports_alteration(auditor_api, events):
    assert auditor_api.get("/api/v1/audit-events/verify/").json()["ok"] is True
    AuditEvent.objects.filter(sequence=2).update(action="hold.tampered")
    body = auditor_api.get("/api/v1/audit-events/verify/").json()
    assert body == {"ok": False, "message": body["message"]}
    assert "#2" in body["message"]


def test_query_count(auditor_api, events, django_assert_num_queries):
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2):
        auditor_api.get("/api/v1/audit-events/")
