import pytest
from django.test import Client

from records.models import RetentionSchedule
from retention.models import DisposalBatch, LegalHold
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import disposal_batch_approve, disposal_batches_build
from tests.conftest import PASSWORD
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def world(due_records, manager_user):
    records = due_records(3)
    batches = disposal_batches_build(now=NOW)
    done = due_records(1, country="CA")
    disposal_batch_approve(batch=batches[0], approver=manager_user)
    disposal_batches_execute(now=NOW)
    proposed = disposal_batches_build(now=NOW)
    hold = LegalHold.objects.create(
        matter="m", reason="r", scope={"countries": ["US"]}, placed_at=NOW
    )
    return {"records": records + done, "completed": batches[0], "proposed": proposed, "hold": hold}


PAGES = [
    "/records/",
    "/file-plan/",
    "/holds/",
    "/disposal/",
    "/certificates/",
    "/audit/",
]


@pytest.mark.parametrize("user_name", ["manager_user", "auditor_user"])
def test_pages_render_for_managers_and_auditors(user_name, request, world):
    client = _client(request.getfixturevalue(user_name))
    record = world["records"][0]
    completed = world["completed"]
    urls = [
        *PAGES,
        f"/records/{record.pk}/",
        f"/holds/{world['hold'].pk}/",
        f"/disposal/{completed.pk}/",
        f"/certificates/{completed.certificate.pk}/",
        "/audit/?verify=1",
        f"/file-plan/schedules/{RetentionSchedule.objects.first().pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"audit chain intact" in client.get("/audit/?verify=1").content


def test_support_staff_gets_403_on_every_page(support_user, world):
    client = _client(support_user)
    for url in [*PAGES, f"/records/{world['records'][0].pk}/"]:
        assert client.get(url).status_code == 403, url


def test_auditor_cannot_post(auditor_user, world):
    client = _client(auditor_user)
    batch = world["proposed"][0]
    assert client.post(f"/disposal/{batch.pk}/", {"action": "approve"}).status_code == 403
    assert client.post(f"/holds/{world['hold'].pk}/", {"reason": "x"}).status_code == 403
    assert (
        client.post(
            "/holds/", {"matter": "x", "reason": "y", "countries": "CA", "step": "save"}
        ).status_code
        == 403
    )
    assert client.post("/file-plan/schedules/new/", {}).status_code == 403
    batch.refresh_from_db()
    assert batch.state == "proposed"
    assert LegalHold.objects.count() == 1
    assert LegalHold.objects.get().released_at is None


def test_manager_hold_preview_then_save_then_release(manager_user, world):
    client = _client(manager_user)
    form = {"matter": "Acme", "reference": "LH-2", "reason": "litigation", "countries": "CA"}
    preview = client.post("/holds/", {**form, "step": "preview"})
    assert b"covers 1 record now" in preview.content
    assert LegalHold.objects.count() == 1
    saved = client.post("/holds/", {**form, "step": "save"})
    hold = LegalHold.objects.order_by("-pk").first()
    assert saved.status_code == 302
    assert hold.matter == "Acme"
    client.post(f"/holds/{hold.pk}/", {"reason": "settled"})
    hold.refresh_from_db()
    assert hold.release_reason == "settled"


def test_manager_reviews_batch_on_page(manager_user, world):
    client = _client(manager_user)
    batch = world["proposed"][0]
    record_id = batch.items.first().record_id
    client.post(
        f"/disposal/{batch.pk}/",
        {"action": "exclude", "record": record_id, "reason": "check", "review_at": "2031-01-01"},
    )
    assert batch.items.get(record_id=record_id).status == "excluded"
    client.post(f"/disposal/{batch.pk}/", {"action": "approve"})
    batch.refresh_from_db()
    assert batch.state == "approved"
    client.post(f"/disposal/{batch.pk}/", {"action": "reject", "reason": "changed my mind"})
    batch.refresh_from_db()
    assert batch.state == "rejected"


def test_manager_edits_schedule_on_page(manager_user, world):
    client = _client(manager_user)
    us = RetentionSchedule.objects.get(record_class__code="CS-CHAT", jurisdiction="US")
    response = client.post(
        f"/file-plan/schedules/{us.pk}/",
        {
            "record_class": us.record_class_id,
            "jurisdiction": "US",
            "retention_years": 7,
            "retention_months": 0,
            "retention_days": 0,
            "trigger": "chat_ended",
            "pii_period_days": 365,
            "action": "destroy",
            "citation": "x",
            "reason": "statute",
        },
    )
    assert response.status_code == 302
    us.refresh_from_db()
    assert us.retention_years == 7
    assert us.history.first().history_change_reason == "statute"


def test_record_list_query_count(manager_user, world, django_assert_num_queries):
    client = _client(manager_user)
    client.get("/records/")
    with django_assert_num_queries(6):  # session, user, groups, count, page, holds
        client.get("/records/")


def test_disposal_list_marks_completed(manager_user, world):
    content = _client(manager_user).get("/disposal/").content
    assert b"completed" in content
    assert DisposalBatch.objects.filter(state="completed").count() == 1


def test_disposal_dry_run_is_counted_only_when_asked(manager_user, due_records):
    due_records(2)
    client = _client(manager_user)

    page = client.get("/disposal/").content.decode()
    assert "Run the dry run" in page
    assert "CS-CHAT" not in page

    preview = client.get("/disposal/?preview=1").content.decode()
    assert "Run the dry run" not in preview
    assert (
        '<td data-label="Class">CS-CHAT</td><td data-label="Jurisdiction">US</td>'
        '<td data-label="Action">Destroy</td><td data-label="Records">2</td>'
    ) in preview
    assert not DisposalBatch.objects.exists()  # a dry run proposes nothing
