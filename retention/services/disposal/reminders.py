"""Reminders for disposal review stages that wait too long (issue #16).

Invariants:
- A stage under review (the first undecided stage of a proposed batch) that has waited longer
  than DISPOSAL_REVIEW_REMINDER_DAYS since it opened, and was not reminded within that interval,
  gets one e-mail to its reviewers. The claim is a compare-and-set on `reminded_at`, committed
  with the audit event, so a replayed or concurrent job never sends a stage's reminder twice in
  one interval. The mail is sent after the claim commits (a lost mail is not retried within the
  interval: the reminder is a courtesy, the review itself is never skipped).
- Read-only for everything else: no batch, stage or item changes state.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from audit.services import audit_event_record
from retention.models import BatchState, DisposalBatchStage
from retention.services.disposal.stages import stage_reviewer_ids

logger = logging.getLogger(__name__)


@dataclass
class ReminderSummary:
    reminded: list[int] = field(default_factory=list)  # batch stage ids
    no_reviewer: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def _interval() -> timedelta:
    return timedelta(days=max(1, int(settings.DISPOSAL_REVIEW_REMINDER_DAYS)))


def stages_waiting_too_long(*, now: datetime) -> list[DisposalBatchStage]:
    """Stages under review of proposed batches, open longer than the interval and not reminded
    within it."""
    cutoff = now - _interval()
    earlier_undecided = DisposalBatchStage.objects.filter(
        batch=OuterRef("batch"), position__lt=OuterRef("position"), decided_at__isnull=True
    )
    return list(
        DisposalBatchStage.objects.filter(
            batch__state=BatchState.PROPOSED,
            decided_at__isnull=True,
            opened_at__isnull=False,
            opened_at__lt=cutoff,
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
        .exclude(Exists(earlier_undecided))
        .select_related("batch__record_class")
        .prefetch_related("reviewers")
        .order_by("batch_id", "position")
    )


def _mail(stage: DisposalBatchStage, recipients: list[str], *, now: datetime) -> None:
    batch = stage.batch
    waited = (now - stage.opened_at).days if stage.opened_at else 0
    send_mail(
        subject=f"Disposal batch {batch.pk}: stage {stage.position} ({stage.name}) awaits you",
        message=(
            f"Disposal batch {batch.pk} ({batch.record_class.code} / {batch.jurisdiction}, "
            f"{batch.action}) has waited {waited} days at review stage {stage.position} "
            f"({stage.name}). You are one of its reviewers.\n\n"
            f"Review it in ChatRecords at {reverse('disposal-batch-detail', args=[batch.pk])}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )


def disposal_reviews_remind(*, now: datetime) -> ReminderSummary:
    """E-mails the reviewers of every stage waiting too long (see the module invariants)."""
    summary = ReminderSummary()
    cutoff = now - _interval()
    for stage in stages_waiting_too_long(now=now):
        reviewer_ids = stage_reviewer_ids(stage)
        recipients = sorted(
            email
            for email in User.objects.filter(pk__in=reviewer_ids).values_list("email", flat=True)
            if email
        )
        if not recipients:
            summary.no_reviewer.append(stage.pk)
            summary.messages.append(
                f"batch {stage.batch_id} stage {stage.position} ({stage.name}): no reviewer "
                "with an e-mail address"
            )
            continue
        with transaction.atomic():
            claimed = (
                DisposalBatchStage.objects.filter(pk=stage.pk, decided_at__isnull=True)
                .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            audit_event_record(
                actor=None,
                action="disposal.review_reminded",
                target=stage.batch,
                data={
                    "stage": stage.position,
                    "stage_name": stage.name,
                    "recipients": len(recipients),
                },
                as_of=now,
            )
        _mail(stage, recipients, now=now)
        summary.reminded.append(stage.pk)
    logger.info("disposal review reminders: %s sent", len(summary.reminded))
    return summary
