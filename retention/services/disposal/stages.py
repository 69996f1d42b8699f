"""Staged disposal review (issue #16, Purview's multi-stage disposition review).

Invariants:
- A batch of a record class with a DispositionPolicy copies the policy's stages when it is
  proposed (DisposalBatchStage); a later edit of the policy never changes a review under way.
  A batch without stages keeps the single approval step of R-DISP-2 (proposal.py).
- The stage under review is the first undecided stage. Only its reviewers (its group's members
  or its named users) may approve it, send items back (exclude them) or reject the batch; anyone
  else is refused with StageReviewerRequired (403) naming the stage, and nothing changes.
- Four-eyes across stages: one approval per person per batch (DisposalApproval's unique
  constraint), and the proposer never approves. Each stage but the last is decided by one
  approval; the last is decided when the batch has as many approvals as it requires (the higher
  of its stage count and DISPOSAL_REQUIRED_APPROVALS then and now), so a policy never loosens
  the setting. The batch becomes `approved` only when its last stage is decided.
- An approval names the stage it was given for: a replayed approval of a stage its author
  already decided changes nothing; one for a stage not under review is refused (409).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from audit.services import audit_event_record
from core.exceptions import ApplicationError, ConflictError
from core.history import history_note
from core.roles import Role, user_has_role
from records.models import RecordClass
from retention.models import (
    BatchState,
    DisposalApproval,
    DisposalBatch,
    DisposalBatchStage,
    DispositionPolicy,
    DispositionStage,
)
from retention.rules import approvals_counted, approvals_required

STAGE_NAME_MAX = 100


class StageReviewerRequired(ApplicationError):
    """The user is not a reviewer of the stage under review."""

    status_code = 403


# --- policies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpec:
    """One stage of a policy as a form or the API gives it."""

    name: str
    reviewer_group: Group | None = None
    reviewers: tuple[User, ...] = ()


def disposition_stages_by_class(class_ids: Iterable[int]) -> dict[int, list[DispositionStage]]:
    """{record class id: its policy's stages in order} for the classes that have a policy (two
    queries whatever the number of classes)."""
    stages = DispositionStage.objects.filter(policy__record_class_id__in=list(class_ids))
    result: dict[int, list[DispositionStage]] = {}
    for stage in (
        stages.select_related("policy")
        .prefetch_related("reviewers")
        .order_by("policy__record_class_id", "position")
    ):
        result.setdefault(stage.policy.record_class_id, []).append(stage)
    return result


def _stage_specs_clean(stages: Sequence[StageSpec]) -> list[StageSpec]:
    clean = []
    for number, spec in enumerate(stages, start=1):
        name = spec.name.strip()
        if not name or len(name) > STAGE_NAME_MAX:
            raise ApplicationError(
                f"Stage {number} needs a name of 1 to {STAGE_NAME_MAX} characters",
                extra={"field": f"stages[{number - 1}].name"},
            )
        if spec.reviewer_group is None and not spec.reviewers:
            raise ApplicationError(
                f"Stage {number} ({name}) needs a reviewer group or named reviewers",
                extra={"field": f"stages[{number - 1}].reviewers"},
            )
        outsiders = sorted(
            u.get_username() for u in spec.reviewers if not user_has_role(u, Role.RECORDS_MANAGER)
        )
        if outsiders:
            raise ApplicationError(
                f"Stage {number} ({name}): only records managers can review disposals, not "
                + ", ".join(outsiders),
                extra={"field": f"stages[{number - 1}].reviewers", "users": outsiders},
            )
        clean.append(StageSpec(name, spec.reviewer_group, tuple(spec.reviewers)))
    return clean


@transaction.atomic
def disposition_policy_save(
    *, record_class: RecordClass, stages: Sequence[StageSpec], saved_by: User
) -> DispositionPolicy | None:
    """Replaces the class's review stages; no stage at all removes the policy (back to the
    single approval step). Applies to batches proposed afterwards. Audited."""
    clean = _stage_specs_clean(stages)
    policy = DispositionPolicy.objects.select_for_update().filter(record_class=record_class).first()
    if not clean:
        if policy is not None:
            policy.delete()
            audit_event_record(
                actor=saved_by,
                action="disposition_policy.removed",
                target=record_class,
                data={"record_class": record_class.code},
            )
        return None
    if policy is None:
        policy = DispositionPolicy(record_class=record_class)
    policy.updated_at, policy.updated_by = timezone.now(), saved_by
    history_note(policy, user=saved_by, reason="stages saved")
    policy.save()
    policy.stages.all().delete()
    for position, spec in enumerate(clean, start=1):
        stage = DispositionStage.objects.create(
            policy=policy, position=position, name=spec.name, reviewer_group=spec.reviewer_group
        )
        stage.reviewers.set(spec.reviewers)
    audit_event_record(
        actor=saved_by,
        action="disposition_policy.saved",
        target=policy,
        data={
            "record_class": record_class.code,
            "stages": [
                {
                    "name": spec.name,
                    "group": spec.reviewer_group.name if spec.reviewer_group else None,
                    "reviewers": sorted(u.get_username() for u in spec.reviewers),
                }
                for spec in clean
            ],
        },
    )
    return policy


# --- a batch's stages ----------------------------------------------------------------------


def batch_stages_create(
    batch: DisposalBatch, policy_stages: Sequence[DispositionStage], *, stamp: datetime
) -> None:
    """Copies the policy's stages onto a batch being proposed; the first is under review."""
    for stage in policy_stages:
        copy = DisposalBatchStage.objects.create(
            batch=batch,
            position=stage.position,
            name=stage.name,
            reviewer_group=stage.reviewer_group,
            opened_at=stamp if stage is policy_stages[0] else None,
        )
        copy.reviewers.set(stage.reviewers.all())


def batch_stages_prefetch() -> Prefetch:
    """Everything a page or the API shows of a batch's stages, in three queries for any number
    of batches: the stages with their group and decider, their named reviewers."""
    return Prefetch(
        "stages",
        queryset=DisposalBatchStage.objects.select_related("reviewer_group", "decided_by")
        .prefetch_related("reviewers")
        .order_by("position"),
    )


def _stages_of(batch: DisposalBatch) -> list[DisposalBatchStage]:
    return list(batch.stages.all())


def batch_stage_current(
    batch: DisposalBatch, stages: list[DisposalBatchStage] | None = None
) -> DisposalBatchStage | None:
    """The stage under review: the first undecided one; the last one of a proposed batch whose
    stages are all decided (sent back by execution under a raised DISPOSAL_REQUIRED_APPROVALS:
    its last stage takes another approval). None once approved, or without stages."""
    stages = _stages_of(batch) if stages is None else stages
    for stage in stages:
        if stage.decided_at is None:
            return stage
    if stages and batch.state == BatchState.PROPOSED:
        return stages[-1]
    return None


def batch_stage_in_charge(batch: DisposalBatch) -> DisposalBatchStage | None:
    """Whose reviewers may send items back or reject: the stage under review, or the last one
    once the batch is approved and waits for execution."""
    stages = _stages_of(batch)
    return batch_stage_current(batch, stages) or (stages[-1] if stages else None)


def stage_reviewer_ids(stage: DisposalBatchStage) -> set[int]:
    """Ids of the active users who can act on `stage`: its named reviewers and its group's
    members who are records managers (only they may write, SPEC §1)."""
    condition = Q(pk__in=[u.pk for u in stage.reviewers.all()])
    if stage.reviewer_group_id is not None:
        condition |= Q(groups=stage.reviewer_group_id)
    reviewers = User.objects.filter(condition, is_active=True)
    managers = User.objects.filter(
        Q(groups__name=Role.RECORDS_MANAGER.value) | Q(is_superuser=True)
    ).values("pk")
    return set(reviewers.filter(pk__in=managers).values_list("pk", flat=True))


def user_reviews_stage(user: User, stage: DisposalBatchStage) -> bool:
    if any(reviewer.pk == user.pk for reviewer in stage.reviewers.all()):
        return True
    return (
        stage.reviewer_group_id is not None
        and user.groups.filter(pk=stage.reviewer_group_id).exists()
    )


def stage_reviewer_require(
    batch: DisposalBatch, user: User, *, doing: str
) -> DisposalBatchStage | None:
    """For a staged batch, the stage in charge when `user` reviews it; StageReviewerRequired
    (403, naming the stage) otherwise. None for a batch without stages (anyone may)."""
    stage = batch_stage_in_charge(batch)
    if stage is None:
        return None
    if not user_reviews_stage(user, stage):
        raise StageReviewerRequired(
            f"Only a reviewer of stage {stage.position} ({stage.name}) may {doing} this batch",
            extra={"batch": batch.pk, "stage": stage.position, "stage_name": stage.name},
        )
    return stage


def staged_approvals_status(
    batch: DisposalBatch, *, in_force: int, stage_count: int
) -> tuple[int, int]:
    """(approvals that count, approvals required) of a staged batch: the proposer never counts;
    at least one approval per stage."""
    required = max(
        stage_count, approvals_required(at_proposal=batch.required_approvals, in_force=in_force)
    )
    counted = approvals_counted(
        approver_ids=batch.approvals.values_list("approver_id", flat=True),
        proposer_id=batch.proposed_by_id,
        required=2,  # the proposer's approval never counts in a staged review
    )
    return counted, required


def disposal_batch_stage_approve(
    *,
    batch: DisposalBatch,
    approver: User,
    moment: datetime,
    in_force: int,
    stage_position: int | None = None,
) -> DisposalBatch:
    """Approves the stage under review of a locked staged batch (see the module invariants).
    Called by proposal.disposal_batch_approve inside its transaction."""
    stages = _stages_of(batch)
    counted, required = staged_approvals_status(batch, in_force=in_force, stage_count=len(stages))
    current = batch_stage_current(batch, stages)
    if stage_position is not None and (current is None or current.position != stage_position):
        asked = next((s for s in stages if s.position == stage_position), None)
        if asked is not None and batch.approvals.filter(stage=asked, approver=approver).exists():
            return batch  # a replay of this person's own approval of that stage: nothing more
        raise ConflictError(
            f"Stage {stage_position} is not the stage under review",
            extra={"batch": batch.pk, "stage": current.position if current else None},
        )
    if current is None or batch.state not in (BatchState.PROPOSED, BatchState.APPROVED):
        raise ConflictError(
            f"Only a proposed batch can be approved; this one is {batch.state}",
            extra={"batch": batch.pk, "state": batch.state},
        )
    if not user_reviews_stage(approver, current):
        raise StageReviewerRequired(
            f"Only a reviewer of stage {current.position} ({current.name}) may approve it",
            extra={"batch": batch.pk, "stage": current.position, "stage_name": current.name},
        )
    if batch.proposed_by_id == approver.pk:
        raise ApplicationError(
            "Four-eyes rule: the proposer of a batch cannot approve it", extra={"batch": batch.pk}
        )
    earlier = batch.approvals.filter(approver_id=approver.pk).select_related("stage").first()
    if earlier is not None:
        where = f"stage {earlier.stage.position} ({earlier.stage.name})" if earlier.stage else ""
        raise ConflictError(
            f"Four-eyes rule: you already approved {where or 'this batch'}; another reviewer "
            f"must approve stage {current.position} ({current.name})",
            extra={"batch": batch.pk, "stage": current.position},
        )
    DisposalApproval.objects.create(
        batch=batch, approver=approver, approved_at=moment, stage=current
    )
    counted += 1
    is_last = current.position == stages[-1].position
    if not is_last or counted >= required:
        current.decided_by, current.decided_at = approver, moment
        current.save(update_fields=["decided_by", "decided_at"])
        following = [s for s in stages if s.position > current.position]
        if following:
            following[0].opened_at = moment
            following[0].save(update_fields=["opened_at"])
    if is_last and counted >= required:
        batch.state, batch.approved_at = BatchState.APPROVED, moment
        history_note(batch, user=approver, reason=f"stage {current.position} approved")
        batch.save(update_fields=["state", "approved_at"])
    audit_event_record(
        actor=approver,
        action="disposal.approved",
        target=batch,
        data={
            "stage": current.position,
            "stage_name": current.name,
            "approvals": counted,
            "required": required,
            "state": batch.state,
        },
    )
    return batch
