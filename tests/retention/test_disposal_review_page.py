"""The disposal review page (issue #16): what a reviewer sees, bulk send-back, the stage rules
through the page, the policy page, and a query count that does not grow with the items."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from core.roles import Role
from qa.models import QAReason, QAReview
from records.models import RecordClass
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalItem,
    DispositionStage,
    LegalHold,
    LegalHoldRecord,
)
from retention.services.disposal.proposal import disposal_batches_build
from retention.services.disposal.stages import StageSpec, disposition_policy_save
from tests.conftest import PASSWORD
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db

# Queries of one review page, whatever the number of items on it (pinned; see the test): the
# page, its stages and items, and the chat extras of the items' chats (the topic column: a query
# or two per receiver of chats.hooks.chat_extras_collect, whatever the number of chats; the
# insight receiver reads sentiment and satisfaction in one).
REVIEW_PAGE_QUERIES = 22


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _staged_batch(records, rita, legal):
    disposition_policy_save(
        record_class=RecordClass.objects.get(pk=records[0].record_class_id),
        stages=[StageSpec("Records", reviewers=(rita,)), StageSpec("Legal", reviewer_group=legal)],
        saved_by=rita,
    )
    (batch,) = disposal_batches_build(now=NOW)
    return batch


@pytest.fixture
def world(due_records, make_user):
    legal = Group.objects.create(name="legal-reviewers")
    rita = make_user(Role.RECORDS_MANAGER, username="rita")
    lena = make_user(Role.RECORDS_MANAGER, username="lena")
    lena.groups.add(legal)
    records = due_records(3, tags=["refund"])
    batch = _staged_batch(records, rita, legal)
    return {"batch": batch, "records": records, "rita": rita, "lena": lena, "legal": legal}


def test_page_shows_what_a_reviewer_needs(world):
    records = world["records"]
    hold = LegalHold.objects.create(
        matter="m", reason="r", scope={"record_ids": [1]}, placed_at=NOW
    )
    LegalHoldRecord.objects.create(hold=hold, record=records[0], added_at=NOW)
    QAReview.objects.create(
        record=records[1], reason=QAReason.SAMPLED, queued_at=NOW, original_source="source_system"
    )
    html = _client(world["rita"]).get(f"/disposal/{world['batch'].pk}/").content.decode()
    assert "Summary by class, country and year" in html
    assert (
        '<td data-label="Country">US</td><td data-label="Year of chat">2018</td>'
        '<td data-label="Items">3</td><td data-label="Pending">3</td>' in html
    )
    assert f'href="/chats/{records[0].chat_id}/"' in html
    assert "2018-01-01" in html  # the chat's date
    assert f'href="/holds/{hold.pk}/"' in html
    assert "QA review pending" in html
    assert "chat_ended" in html  # the trigger
    assert "Approve stage 1 (Records)" in html
    assert 'aria-label="Select record' in html


def test_query_count_does_not_grow_with_the_items(world, due_records, django_assert_num_queries):
    client = _client(world["rita"])
    url = f"/disposal/{world['batch'].pk}/"
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    more = due_records(12, country="CA")
    bigger = _staged_batch(more, world["rita"], world["legal"])
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        assert client.get(f"/disposal/{bigger.pk}/").status_code == 200


def test_bulk_send_back_from_the_page(world):
    records = world["records"]
    response = _client(world["rita"]).post(
        f"/disposal/{world['batch'].pk}/",
        {
            "action": "exclude",
            "records": [records[0].pk, records[2].pk],
            "reason": "complaint open",
            "review_at": "2031-01-01",
            "page": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?page=1#messages")  # the result takes the focus
    statuses = dict(DisposalItem.objects.values_list("record_id", "status"))
    assert [statuses[r.pk] for r in records] == ["excluded", "pending", "excluded"]


def test_wrong_reviewer_on_the_page_gets_403_naming_the_stage(world):
    response = _client(world["lena"]).post(
        f"/disposal/{world['batch'].pk}/", {"action": "approve", "stage": "1"}
    )
    assert response.status_code == 403
    assert "stage 1 (Records)" in response.content.decode()
    assert not DisposalApproval.objects.exists()


def test_two_stages_through_the_page(world):
    url = f"/disposal/{world['batch'].pk}/"
    _client(world["rita"]).post(url, {"action": "approve", "stage": "1"})
    page = _client(world["lena"]).get(url).content.decode()
    assert "Approve stage 2 (Legal)" in page
    assert "2: Legal" in _client(world["lena"]).get("/disposal/").content.decode()
    _client(world["lena"]).post(url, {"action": "approve", "stage": "2"})
    world["batch"].refresh_from_db()
    assert world["batch"].state == BatchState.APPROVED


def test_auditor_reads_the_review_page_and_cannot_post(world, auditor_user):
    client = _client(auditor_user)
    url = f"/disposal/{world['batch'].pk}/"
    html = client.get(url).content.decode()
    assert "Approve stage" not in html
    assert "Send selected back" not in html
    assert client.post(url, {"action": "approve", "stage": "1"}).status_code == 403
    assert client.post("/disposal/policies/1/", {}).status_code == 403
    assert not DisposalApproval.objects.exists()


def test_manager_edits_the_review_stages_of_a_class(world, make_user):
    record_class = RecordClass.objects.get(pk=world["records"][0].record_class_id)
    client = _client(world["rita"])
    assert "Records" in client.get("/disposal/policies/").content.decode()
    form = {
        # As the page renders it: the two stages of the fixture's policy, one empty row.
        "stages-TOTAL_FORMS": "3",
        "stages-INITIAL_FORMS": "2",
        "stages-0-name": "Business owner",
        "stages-0-reviewers": "rita, lena",
        "stages-1-name": "Legal",
        "stages-1-reviewer_group": str(world["legal"].pk),
        "stages-2-name": "",
    }
    response = client.post(f"/disposal/policies/{record_class.pk}/", form)
    assert response.status_code == 302
    stages = list(DispositionStage.objects.filter(policy__record_class=record_class))
    assert [(s.position, s.name) for s in stages] == [(1, "Business owner"), (2, "Legal")]
    assert sorted(u.username for u in stages[0].reviewers.all()) == ["lena", "rita"]


def test_policy_page_refuses_unknown_reviewers_and_a_stage_without_any(world):
    record_class = RecordClass.objects.get(pk=world["records"][0].record_class_id)
    client = _client(world["rita"])
    base = {"stages-TOTAL_FORMS": "1", "stages-INITIAL_FORMS": "0", "stages-0-name": "Legal"}
    for extra, message in (({"stages-0-reviewers": "nobody-here"}, "Unknown user"), ({}, "needs")):
        response = client.post(f"/disposal/policies/{record_class.pk}/", {**base, **extra})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert [s.name for s in DispositionStage.objects.all()] == ["Records", "Legal"]


def test_admin_edits_a_policy_with_its_stages(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    policy = DispositionStage.objects.first().policy
    assert client.get("/admin/retention/dispositionpolicy/").status_code == 200
    assert client.get(f"/admin/retention/dispositionpolicy/{policy.pk}/change/").status_code == 200
    assert client.get("/admin/retention/disposalbatchstage/").status_code == 200
