from datetime import timedelta

import pytest
from django.utils import timezone

from retention.models import DisposalApproval, DisposalBatch, LegalHold
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.factories import TOKEN_AUTH_QUERIES
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

HOLD = {
    "matter": "Acme",
    "reference": "LH-9",
    "reason": "litigation",
    "scope": {"countries": ["US"]},
}


@pytest.fixture
def batch(due_records):
    due_records(2)
    return disposal_batches_build(now=NOW)[0]


@pytest.fixture
def certificate(batch, manager_user):
    disposal_batch_approve(batch=batch, approver=manager_user)
    disposal_batches_execute(now=NOW)
    return batch.certificate


def test_manager_places_previews_and_releases_hold(manager_api, due_records):
    due_records(2)
    preview = manager_api.post(
        "/api/v1/legal-holds/preview/", {"scope": HOLD["scope"]}, format="json"
    )
    # #12: the preview also says whether its text query searched purged originals.
    assert preview.json() == {
        "count": 2,
        "purged_text_searched": False,
        "records_with_purged_originals": 0,
        "note": "",
    }
    response = manager_api.post("/api/v1/legal-holds/", HOLD, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["record_count"] == 2
    assert body["is_active"] is True
    release = manager_api.post(f"/api/v1/legal-holds/{body['id']}/release/", {}, format="json")
    assert release.status_code == 400
    assert set(release.json()) == {"message", "extra"}
    release = manager_api.post(
        f"/api/v1/legal-holds/{body['id']}/release/", {"reason": "settled"}, format="json"
    )
    assert release.status_code == 200
    assert release.json()["is_active"] is False


def test_hold_scope_errors_are_400(manager_api, file_plan):
    response = manager_api.post("/api/v1/legal-holds/", {**HOLD, "scope": {}}, format="json")
    assert response.status_code == 400
    assert "at least one" in response.json()["message"]
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("client_name", ["auditor_api", "support_api"])
def test_others_cannot_place_or_release_holds(client_name, request, manager_api, file_plan):
    client = request.getfixturevalue(client_name)
    hold_id = manager_api.post("/api/v1/legal-holds/", HOLD, format="json").json()["id"]
    assert client.post("/api/v1/legal-holds/", HOLD, format="json").status_code == 403
    assert (
        client.post(
            f"/api/v1/legal-holds/{hold_id}/release/", {"reason": "x"}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/legal-holds/preview/", {"scope": HOLD["scope"]}, format="json"
        ).status_code
        == 403
    )
    assert LegalHold.objects.count() == 1
    assert LegalHold.objects.get().released_at is None


def test_auditor_reads_holds_support_does_not(auditor_api, support_api, manager_api, file_plan):
    manager_api.post("/api/v1/legal-holds/", HOLD, format="json")
    assert auditor_api.get("/api/v1/legal-holds/").json()["count"] == 1
    assert support_api.get("/api/v1/legal-holds/").status_code == 403


def test_batch_detail_lists_items(auditor_api, batch):
    body = auditor_api.get(f"/api/v1/disposal-batches/{batch.pk}/").json()
    assert body["state"] == "proposed"
    assert len(body["items"]) == 2
    assert {"record", "chat_external_id", "status"} <= set(body["items"][0])


def test_manager_approves_rejects_excludes(manager_api, batch, make_user):
    record_id = batch.items.first().record_id
    review_at = (timezone.now() + timedelta(days=10)).isoformat()
    response = manager_api.post(
        f"/api/v1/disposal-batches/{batch.pk}/exclude/",
        {"record": record_id, "reason": "check", "review_at": review_at},
        format="json",
    )
    assert response.status_code == 200
    assert {i["record"]: i["status"] for i in response.json()["items"]}[record_id] == "excluded"
    response = manager_api.post(f"/api/v1/disposal-batches/{batch.pk}/approve/")
    assert response.json()["state"] == "approved"
    again = manager_api.post(f"/api/v1/disposal-batches/{batch.pk}/approve/")
    assert again.status_code == 409
    response = manager_api.post(
        f"/api/v1/disposal-batches/{batch.pk}/reject/", {"reason": "no"}, format="json"
    )
    assert response.json()["state"] == "rejected"


def test_four_eyes_via_api(api_client_for, make_user, batch, settings):
    from core.roles import Role

    settings.DISPOSAL_REQUIRED_APPROVALS = 2
    DisposalBatch.objects.filter(pk=batch.pk).update(required_approvals=2)
    first = api_client_for(make_user(Role.RECORDS_MANAGER))
    second = api_client_for(make_user(Role.RECORDS_MANAGER))
    assert first.post(f"/api/v1/disposal-batches/{batch.pk}/approve/").json()["state"] == (
        "proposed"
    )
    assert first.post(f"/api/v1/disposal-batches/{batch.pk}/approve/").status_code == 409
    assert second.post(f"/api/v1/disposal-batches/{batch.pk}/approve/").json()["state"] == (
        "approved"
    )


@pytest.mark.parametrize("client_name", ["auditor_api", "support_api"])
def test_others_cannot_review_batches(client_name, request, batch):
    client = request.getfixturevalue(client_name)
    record_id = batch.items.first().record_id
    for path, data in (
        ("approve", {}),
        ("reject", {"reason": "x"}),
        ("exclude", {"record": record_id, "reason": "x", "review_at": "2030-01-01T00:00:00Z"}),
    ):
        response = client.post(f"/api/v1/disposal-batches/{batch.pk}/{path}/", data, format="json")
        assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.state == "proposed"
    assert not DisposalApproval.objects.exists()
    assert set(batch.items.values_list("status", flat=True)) == {"pending"}


def test_support_cannot_read_batches(support_api, batch):
    assert support_api.get("/api/v1/disposal-batches/").status_code == 403
    assert support_api.get(f"/api/v1/disposal-batches/{batch.pk}/").status_code == 403


def test_certificates_json_and_html(auditor_api, support_api, certificate):
    listing = auditor_api.get("/api/v1/disposal-certificates/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["counts"] == {"destroyed": 2}
    detail = auditor_api.get(f"/api/v1/disposal-certificates/{certificate.pk}/").json()
    assert detail["hash"] == certificate.hash
    assert len(detail["payload"]["items"]) == 2
    html = auditor_api.get(f"/api/v1/disposal-certificates/{certificate.pk}/?format=html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert certificate.hash.encode() in html.content
    assert support_api.get("/api/v1/disposal-certificates/").status_code == 403


def test_batch_list_query_count(manager_api, batch, django_assert_num_queries):
    manager_api.get("/api/v1/disposal-batches/")  # warms the once-a-minute table estimate
    with django_assert_num_queries(TOKEN_AUTH_QUERIES + 2):
        manager_api.get("/api/v1/disposal-batches/")


def test_schedules_readable_by_auditors(auditor_api, support_api, file_plan):
    assert auditor_api.get("/api/v1/retention-schedules/").json()["count"] == 6
    assert support_api.get("/api/v1/retention-schedules/").status_code == 403
