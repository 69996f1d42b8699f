"""Staged disposal review (issue #16): every stage rule, hostile case first."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from core.exceptions import ApplicationError, ConflictError
from core.roles import Role
from records.models import Record, RecordClass
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalBatchStage,
    DisposalItem,
    DispositionStage,
)
from retention.services.disposal.execution import disposal_batches_execute
from retention.services.disposal.proposal import (
    approvals_status,
    disposal_batch_approve,
    disposal_batch_reject,
    disposal_batches_build,
    disposal_item_exclude,
    disposal_items_exclude,
)
from retention.services.disposal.stages import (
    StageReviewerRequired,
    StageSpec,
    batch_stage_current,
    disposition_policy_save,
)
from tests.retention.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    legal = Group.objects.create(name="legal-reviewers")
    users = {
        name: make_user(Role.RECORDS_MANAGER, username=name, email=f"{name}@example.org")
        for name in ("rita", "lena", "luis", "olga", "paul")
    }
    users["lena"].groups.add(legal)
    users["luis"].groups.add(legal)
    # paul reviews both stages: four-eyes must still stop him approving twice.
    users["paul"].groups.add(legal)
    return {**users, "legal": legal}


@pytest.fixture
def staged(due_records, people):
    """Three due US records of CS-CHAT, whose policy has two stages: Records (rita, paul by
    name), then Legal (the legal-reviewers group)."""
    records = due_records(3)
    record_class = RecordClass.objects.get(pk=records[0].record_class_id)
    disposition_policy_save(
        record_class=record_class,
        stages=[
            StageSpec("Records", reviewers=(people["rita"], people["paul"])),
            StageSpec("Legal", reviewer_group=people["legal"]),
        ],
        saved_by=people["olga"],
    )
    (batch,) = disposal_batches_build(now=NOW)
    return {"batch": batch, "records": records, "class": record_class}


def _state(batch: DisposalBatch) -> tuple[str, list[str | None]]:
    batch.refresh_from_db()
    return batch.state, [
        s.decided_by.username if s.decided_by else None
        for s in DisposalBatchStage.objects.filter(batch=batch).select_related("decided_by")
    ]


def test_a_reviewer_of_another_stage_is_refused_with_the_stage_named(staged, people):
    batch = staged["batch"]
    with pytest.raises(StageReviewerRequired) as refused:
        disposal_batch_approve(batch=batch, approver=people["lena"])
    assert "stage 1 (Records)" in refused.value.message
    assert refused.value.status_code == 403
    assert _state(batch) == (BatchState.PROPOSED, [None, None])
    assert not DisposalApproval.objects.exists()


def test_a_records_manager_who_reviews_no_stage_is_refused(staged, people):
    with pytest.raises(StageReviewerRequired):
        disposal_batch_approve(batch=staged["batch"], approver=people["olga"])
    with pytest.raises(StageReviewerRequired):
        disposal_batch_reject(batch=staged["batch"], rejected_by=people["olga"], reason="no")
    assert _state(staged["batch"]) == (BatchState.PROPOSED, [None, None])


def test_the_batch_is_approved_only_when_its_last_stage_approves(staged, people):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["rita"], stage=1)
    assert _state(batch) == (BatchState.PROPOSED, ["rita", None])
    second = DisposalBatchStage.objects.get(batch=batch, position=2)
    assert second.opened_at is not None
    disposal_batch_approve(batch=batch, approver=people["lena"], stage=2)
    assert _state(batch) == (BatchState.APPROVED, ["rita", "lena"])
    assert approvals_status(batch) == (2, 2)
    events = AuditEvent.objects.filter(action="disposal.approved").order_by("pk")
    assert [e.data["stage_name"] for e in events] == ["Records", "Legal"]


def test_the_same_person_may_not_approve_two_stages(staged, people):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["paul"])
    with pytest.raises(ConflictError) as refused:
        disposal_batch_approve(batch=batch, approver=people["paul"])
    assert "stage 1 (Records)" in refused.value.message
    assert _state(batch) == (BatchState.PROPOSED, ["paul", None])
    assert DisposalApproval.objects.filter(batch=batch).count() == 1


def test_the_proposer_may_not_approve_any_stage(due_records, people):
    records = due_records(2)
    disposition_policy_save(
        record_class=RecordClass.objects.get(pk=records[0].record_class_id),
        stages=[StageSpec("Records", reviewers=(people["rita"],))],
        saved_by=people["olga"],
    )
    (batch,) = disposal_batches_build(now=NOW, proposed_by=people["rita"])
    with pytest.raises(ApplicationError, match="Four-eyes"):
        disposal_batch_approve(batch=batch, approver=people["rita"])
    assert _state(batch) == (BatchState.PROPOSED, [None])


def test_a_replayed_stage_approval_changes_nothing_more(staged, people):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["paul"], stage=1)
    events = AuditEvent.objects.count()
    # paul also reviews stage 2: the replay names stage 1, so it cannot approve stage 2.
    disposal_batch_approve(batch=batch, approver=people["paul"], stage=1)
    assert _state(batch) == (BatchState.PROPOSED, ["paul", None])
    assert DisposalApproval.objects.filter(batch=batch).count() == 1
    assert AuditEvent.objects.count() == events
    disposal_batch_approve(batch=batch, approver=people["luis"], stage=2)
    disposal_batch_approve(batch=batch, approver=people["luis"], stage=2)
    assert _state(batch) == (BatchState.APPROVED, ["paul", "luis"])


def test_a_stale_approval_of_a_stage_not_under_review_is_refused(staged, people):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["rita"], stage=1)
    with pytest.raises(ConflictError, match="Stage 1 is not the stage under review"):
        disposal_batch_approve(batch=batch, approver=people["lena"], stage=1)
    assert _state(batch) == (BatchState.PROPOSED, ["rita", None])


def test_a_stage_sends_items_back_with_its_reason_and_they_return_after_the_review_date(
    staged, people
):
    batch, records = staged["batch"], staged["records"]
    review_at = NOW + timedelta(days=30)
    with pytest.raises(StageReviewerRequired):
        disposal_items_exclude(
            batch=batch,
            record_ids=[records[0].pk],
            excluded_by=people["lena"],
            reason="x",
            review_at=review_at,
            now=NOW,
        )
    sent = disposal_items_exclude(
        batch=batch,
        record_ids=[records[0].pk, records[1].pk],
        excluded_by=people["rita"],
        reason="customer complaint still open",
        review_at=review_at,
        now=NOW,
    )
    assert sent == 2
    items = {i.record_id: i for i in DisposalItem.objects.filter(batch=batch)}
    assert [items[r.pk].status for r in records] == ["excluded", "excluded", "pending"]
    assert items[records[0].pk].reason == "customer complaint still open"
    assert Record.history.filter(id=records[0].pk, history_change_reason__contains="excluded")
    event = AuditEvent.objects.get(action="disposal.items_excluded")
    assert event.data["stage_name"] == "Records"
    # Nothing comes back before the review date; both come back at the first build after it.
    assert disposal_batches_build(now=NOW + timedelta(days=1)) == []
    (again,) = disposal_batches_build(now=review_at + timedelta(days=1))
    assert set(again.items.values_list("record_id", flat=True)) == {records[0].pk, records[1].pk}


def test_bulk_exclude_is_all_or_nothing_and_names_the_records_not_in_the_batch(staged, people):
    batch, records = staged["batch"], staged["records"]
    with pytest.raises(ApplicationError) as refused:
        disposal_items_exclude(
            batch=batch,
            record_ids=[records[0].pk, 999999],
            excluded_by=people["rita"],
            reason="r",
            review_at=NOW + timedelta(days=3),
            now=NOW,
        )
    assert refused.value.extra == {"field": "records", "records": [999999]}
    assert not DisposalItem.objects.filter(batch=batch, status="excluded").exists()
    for record_ids, reason, field in (([], "r", "records"), ([records[0].pk], " ", "reason")):
        with pytest.raises(ApplicationError) as bad:
            disposal_items_exclude(
                batch=batch,
                record_ids=record_ids,
                excluded_by=people["rita"],
                reason=reason,
                review_at=NOW + timedelta(days=3),
                now=NOW,
            )
        assert bad.value.extra["field"] == field


def test_any_stage_reviewer_in_charge_may_reject_the_whole_batch(staged, people):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["rita"])
    with pytest.raises(StageReviewerRequired):
        disposal_batch_reject(batch=batch, rejected_by=people["rita"], reason="no")
    disposal_batch_reject(batch=batch, rejected_by=people["luis"], reason="litigation likely")
    assert _state(batch)[0] == BatchState.REJECTED
    assert AuditEvent.objects.get(action="disposal.rejected").data["stage_name"] == "Legal"


def test_single_exclude_of_a_staged_batch_needs_the_stage_reviewer(staged, people):
    batch, records = staged["batch"], staged["records"]
    with pytest.raises(StageReviewerRequired):
        disposal_item_exclude(
            batch=batch,
            record_id=records[0].pk,
            excluded_by=people["olga"],
            reason="r",
            review_at=NOW + timedelta(days=3),
            now=NOW,
        )
    disposal_item_exclude(
        batch=batch,
        record_id=records[0].pk,
        excluded_by=people["paul"],
        reason="r",
        review_at=NOW + timedelta(days=3),
        now=NOW,
    )
    assert DisposalItem.objects.get(record=records[0]).status == "excluded"


def test_editing_a_policy_never_changes_a_review_under_way(staged, people):
    batch = staged["batch"]
    disposition_policy_save(
        record_class=staged["class"],
        stages=[StageSpec("Only", reviewers=(people["olga"],))],
        saved_by=people["rita"],
    )
    assert list(DisposalBatchStage.objects.filter(batch=batch).values_list("name", flat=True)) == [
        "Records",
        "Legal",
    ]
    with pytest.raises(StageReviewerRequired):
        disposal_batch_approve(batch=batch, approver=people["olga"])


def test_a_policy_stage_needs_a_name_and_reviewers(people):
    record_class = RecordClass.objects.create(code="X-TEST", title="x")
    for spec, field in (
        (StageSpec(" ", reviewers=(people["rita"],)), "stages[0].name"),
        (StageSpec("Legal"), "stages[0].reviewers"),
    ):
        with pytest.raises(ApplicationError) as refused:
            disposition_policy_save(
                record_class=record_class, stages=[spec], saved_by=people["rita"]
            )
        assert refused.value.extra["field"] == field
    assert not DispositionStage.objects.exists()


def test_a_raised_requirement_takes_more_approvals_at_the_last_stage(staged, people, settings):
    settings.DISPOSAL_REQUIRED_APPROVALS = 3
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["rita"])
    disposal_batch_approve(batch=batch, approver=people["lena"])
    assert _state(batch) == (BatchState.PROPOSED, ["rita", None])
    disposal_batch_approve(batch=batch, approver=people["luis"])
    assert _state(batch) == (BatchState.APPROVED, ["rita", "luis"])
    assert approvals_status(batch) == (3, 3)


def test_a_class_without_a_policy_keeps_the_single_approval_step(due_records, people):
    due_records(2)
    (batch,) = disposal_batches_build(now=NOW)
    assert not DisposalBatchStage.objects.exists()
    disposal_batch_approve(batch=batch, approver=people["olga"])
    assert _state(batch) == (BatchState.APPROVED, [])


def test_execution_under_a_raised_requirement_reopens_the_last_stage(staged, people, settings):
    batch = staged["batch"]
    disposal_batch_approve(batch=batch, approver=people["rita"])
    disposal_batch_approve(batch=batch, approver=people["lena"])
    assert _state(batch)[0] == BatchState.APPROVED
    settings.DISPOSAL_REQUIRED_APPROVALS = 3
    summary = disposal_batches_execute(now=NOW)
    assert summary.awaiting_approval == [batch.pk]
    assert Record.objects.filter(status="active").count() == 3
    batch.refresh_from_db()
    assert batch.state == BatchState.PROPOSED
    assert batch_stage_current(batch).position == 2
    with pytest.raises(ConflictError, match="Four-eyes"):
        disposal_batch_approve(batch=batch, approver=people["lena"], stage=2)
    disposal_batch_approve(batch=batch, approver=people["luis"], stage=2)
    assert _state(batch) == (BatchState.APPROVED, ["rita", "luis"])


def test_a_named_reviewer_must_be_a_records_manager(people, make_user):
    clerk = make_user(Role.SUPPORT_STAFF, username="clerk")
    record_class = RecordClass.objects.create(code="X-TEST", title="x")
    with pytest.raises(ApplicationError) as refused:
        disposition_policy_save(
            record_class=record_class,
            stages=[StageSpec("Records", reviewers=(people["rita"], clerk))],
            saved_by=people["rita"],
        )
    assert refused.value.extra == {"field": "stages[0].reviewers", "users": ["clerk"]}
    assert not DispositionStage.objects.exists()
