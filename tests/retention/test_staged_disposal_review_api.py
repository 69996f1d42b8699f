"""The API of the staged disposal review (issue #16): stage fields, approve, bulk exclude."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from records.models import RecordClass
from retention.models import BatchState, DisposalApproval, DisposalItem
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.disposal.stages import StageSpec, disposition_policy_save
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(due_records, make_user, api_client_for):
    legal = Group.objects.create(name="legal-reviewers")
    rita = make_user(Role.RECORDS_MANAGER, username="rita")
    lena = make_user(Role.RECORDS_MANAGER, username="lena")
    lena.groups.add(legal)
    records = due_records(3)
    disposition_policy_save(
        record_class=RecordClass.objects.get(pk=records[0].record_class_id),
        stages=[StageSpec("Records", reviewers=(rita,)), StageSpec("Legal", reviewer_group=legal)],
        saved_by=rita,
    )
    (batch,) = disposal_batches_build(now=NOW)
    return {
        "batch": batch,
        "records": records,
        "rita": api_client_for(rita),
        "lena": api_client_for(lena),
        "url": f"/api/v1/disposal-batches/{batch.pk}/",
    }


def test_wrong_reviewer_gets_403_naming_the_stage_and_nothing_moves(world):
    response = world["lena"].post(world["url"] + "approve/", {}, format="json")
    assert response.status_code == 403
    assert "stage 1 (Records)" in response.json()["message"]
    assert response.json()["extra"]["stage"] == 1
    assert not DisposalApproval.objects.exists()


def test_detail_shows_the_stage_under_review_and_every_stage(world):
    world["rita"].post(world["url"] + "approve/", {"stage": 1}, format="json")
    data = world["rita"].get(world["url"]).json()
    assert data["state"] == BatchState.PROPOSED
    assert data["stage"]["position"] == 2
    assert data["stage"]["name"] == "Legal"
    assert [(s["name"], s["decided_by"]) for s in data["stages"]] == [
        ("Records", "rita"),
        ("Legal", None),
    ]
    assert data["stages"][0]["reviewers"] == {"group": None, "users": ["rita"]}
    assert data["stages"][1]["reviewers"] == {"group": "legal-reviewers", "users": []}
    assert data["stages"][0]["decided_at"] is not None
    assert data["approvals"][0]["stage"] == 1


def test_two_stages_approve_then_replay_changes_nothing(world):
    first = world["rita"].post(world["url"] + "approve/", {"stage": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["state"] == "proposed"
    replay = world["rita"].post(world["url"] + "approve/", {"stage": 1}, format="json")
    assert replay.status_code == 200
    assert replay.json()["stage"]["position"] == 2
    last = world["lena"].post(world["url"] + "approve/", {"stage": 2}, format="json")
    assert last.json()["state"] == "approved"
    assert last.json()["stage"] is None
    assert DisposalApproval.objects.count() == 2


def test_malformed_stage_is_a_400_naming_the_field(world):
    response = world["rita"].post(world["url"] + "approve/", {"stage": "one"}, format="json")
    assert response.status_code == 400
    assert "stage" in str(response.json())


def test_bulk_exclude_sends_the_records_back(world):
    ids = [r.pk for r in world["records"][:2]]
    response = world["rita"].post(
        world["url"] + "exclude/",
        {"records": ids, "reason": "open complaint", "review_at": "2031-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 200
    statuses = {i["record"]: i["status"] for i in response.json()["items"]}
    assert [statuses[pk] for pk in ids] == ["excluded", "excluded"]


def test_single_exclude_form_keeps_working(world):
    record = world["records"][0]
    response = world["rita"].post(
        world["url"] + "exclude/",
        {"record": record.pk, "reason": "check", "review_at": "2031-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 200
    assert DisposalItem.objects.get(record=record).status == "excluded"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "r", "review_at": "2031-01-01T00:00:00Z"}, "records"),
        (
            {"record": 1, "records": [1], "reason": "r", "review_at": "2031-01-01T00:00:00Z"},
            "records",
        ),
        ({"records": ["x"], "reason": "r", "review_at": "2031-01-01T00:00:00Z"}, "records"),
        ({"records": [], "reason": "r", "review_at": "2031-01-01T00:00:00Z"}, "records"),
        ({"records": [1], "reason": "r", "review_at": "soon"}, "review_at"),
    ],
)
def test_malformed_bulk_exclude_is_a_400_naming_the_field(world, body, field):
    response = world["rita"].post(world["url"] + "exclude/", body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not DisposalItem.objects.filter(status="excluded").exists()


def test_bulk_exclude_of_a_record_not_in_the_batch_names_it(world):
    response = world["rita"].post(
        world["url"] + "exclude/",
        {
            "records": [world["records"][0].pk, 987654],
            "reason": "r",
            "review_at": (NOW + timedelta(days=3650)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["records"] == [987654]
    assert not DisposalItem.objects.filter(status="excluded").exists()


def test_auditor_reads_the_stages_but_every_post_is_refused(world, auditor_api):
    assert auditor_api.get(world["url"]).json()["stage"]["name"] == "Records"
    posts = {
        "approve/": {"stage": 1},
        "reject/": {"reason": "r"},
        "exclude/": {"records": [world["records"][0].pk], "reason": "r", "review_at": "2031-01-01"},
    }
    for path, body in posts.items():
        assert auditor_api.post(world["url"] + path, body, format="json").status_code == 403
    world["batch"].refresh_from_db()
    assert world["batch"].state == BatchState.PROPOSED
    assert not DisposalApproval.objects.exists()
    assert not DisposalItem.objects.filter(status="excluded").exists()


def test_the_list_shows_each_batch_stage_under_review(world, due_records):
    due_records(1, country="CA")
    disposal_batches_build(now=NOW)
    rows = world["rita"].get("/api/v1/disposal-batches/").json()["results"]
    stages = {row["jurisdiction"]: row["stage"] for row in rows}
    assert stages == {
        "US": {"position": 1, "name": "Records"},
        "CA": {"position": 1, "name": "Records"},
    }
