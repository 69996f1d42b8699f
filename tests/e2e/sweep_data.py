"""One data set for the accessibility and width sweep (issue #18): at least one object behind
every detail page — a live and a destroyed chat, a proposed and a completed batch with its
certificate, a hold with a custodian, a data-subject request, a QA review, an article — built
through the real services and jobs, as the product builds them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from chats.models import Chat
from core.roles import Role
from knowledgebase.models import Article, ArticleStatus
from knowledgebase.services.articles import article_create
from knowledgebase.services.taxonomy import taxonomy_seed
from privacy.models import DataSubjectRequest
from privacy.services.requests import subject_request_create
from qa.models import QAReview
from records.file_plan import file_plan_seed
from records.models import DeclarationRule, Record, RecordClass, RetentionSchedule
from retention.models import (
    DisposalBatch,
    DisposalCertificate,
    HoldCustodian,
    LegalHold,
)
from retention.services.disposal.proposal import disposal_batch_approve
from retention.services.holds import legal_hold_place
from tests.factories import make_chat

ADMIN = "admin"


@dataclass(frozen=True)
class SweepData:
    users: dict[str, User]  # a role's value (or "admin") → a user holding it
    chat: Chat
    destroyed_chat: Chat
    record: Record
    destroyed_record: Record
    proposed_batch: DisposalBatch
    completed_batch: DisposalBatch
    certificate: DisposalCertificate
    hold: LegalHold
    custodian_token: str
    subject_request: DataSubjectRequest
    review: QAReview
    article: Article
    schedule: RetentionSchedule
    record_class: RecordClass
    rule: DeclarationRule


def _run(job: str, now: datetime) -> None:
    call_command("run_job", job, now=now.isoformat())


def _due_chats(prefix: str, count: int, month: int) -> list[Chat]:
    """US chats of 2018: their 5-year schedule makes them due today."""
    return [
        make_chat(
            started_at=datetime(2018, month, day + 1, 10, 0, tzinfo=UTC),
            country="US",
            region="",
            customer={
                "external_id": f"{prefix}-{day}",
                "name": "Al Due",
                "email": f"{prefix}{day}@ex.com",
            },
        )
        for day in range(count)
    ]


def sweep_data_seed(make_user: Callable[..., User]) -> SweepData:
    file_plan_seed()
    taxonomy_seed()
    now = timezone.now()
    users = {role.value: make_user(role) for role in Role}
    second_manager = make_user(Role.RECORDS_MANAGER)
    users[ADMIN] = make_user(username="admin", is_staff=True, is_superuser=True)
    chat = make_chat(started_at=now - timedelta(days=3), tags=["billing", "refund"])
    make_chat(started_at=now - timedelta(days=2), country="", region="")  # QA: unknown country
    destroyed = _due_chats("gone", 2, 1)
    _run("redact_pii", now)
    _run("declare_records", now)
    _run("extract_keywords", now)
    _run("sample_qa_reviews", now)
    _run("build_disposal_batches", now)
    completed = DisposalBatch.objects.get()
    disposal_batch_approve(batch=completed, approver=second_manager, now=now)
    _run("execute_disposals", now)
    _due_chats("due", 3, 2)
    _run("redact_pii", now)
    _run("declare_records", now)
    _run("build_disposal_batches", now)
    proposed = DisposalBatch.objects.exclude(pk=completed.pk).get()
    _run("rollup_trends", now)
    hold = legal_hold_place(
        matter="Smith v. Shop",
        reference="LIT-2026-7",
        reason="Litigation about a refund",
        scope={"countries": ["CA"]},
        issued_by=users[Role.RECORDS_MANAGER.value],
        custodians=["custodian@example.com"],
    )
    subject_request = subject_request_create(
        kind="access",
        jurisdiction="CA",
        email=chat.customer.email if chat.customer else "",
        created_by=users[Role.RECORDS_MANAGER.value],
    )
    article = article_create(
        question="How do I get a refund for a duplicate charge?",
        solution="Refund the duplicate charge from the payments page.",
        user=users[Role.SUPPORT_STAFF.value],
        status=ArticleStatus.PUBLISHED,
        source_chats=[chat],
    )
    return SweepData(
        users=users,
        chat=chat,
        destroyed_chat=destroyed[0],
        record=Record.objects.get(chat=chat),
        destroyed_record=Record.objects.get(chat=destroyed[0]),
        proposed_batch=proposed,
        completed_batch=completed,
        certificate=DisposalCertificate.objects.get(batch=completed),
        hold=hold,
        custodian_token=HoldCustodian.objects.get(hold=hold).token,
        subject_request=subject_request,
        review=QAReview.objects.order_by("pk").first() or _missing("QA review"),
        article=article,
        schedule=RetentionSchedule.objects.order_by("pk").first() or _missing("schedule"),
        record_class=RecordClass.objects.order_by("pk").first() or _missing("record class"),
        rule=DeclarationRule.objects.order_by("pk").first() or _missing("declaration rule"),
    )


def _missing(what: str) -> NoReturn:
    raise AssertionError(f"the sweep's data set has no {what}: the seeding changed")
