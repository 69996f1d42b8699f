"""A two-stage disposal review in a real browser (issue #16), JavaScript off: a records manager
gives CS-CHAT two review stages on the policy page; the first stage's reviewer sends one item
back and approves; a reviewer of the second stage is the only one who can finish it."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from records.file_plan import file_plan_seed
from records.models import RecordClass
from retention.models import BatchState, DisposalBatch, DisposalItem, DispositionStage
from tests.e2e.conftest import Journey, log_in
from tests.factories import make_chat

pytestmark = pytest.mark.browser


def _run_job(name: str, now: datetime) -> None:
    call_command("run_job", name, now=now.isoformat())


def test_two_stage_disposal_review_with_send_back(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    for day in range(3):
        make_chat(
            started_at=datetime(2018, 1, day + 1, 10, 0, tzinfo=UTC),
            country="US",
            region="",
            customer={"external_id": f"c-st-{day}", "name": "Al Due", "email": f"s{day}@ex.com"},
        )
    now = timezone.now()
    _run_job("declare_records", now)
    owner = role_user(Role.RECORDS_MANAGER)
    first = role_user(Role.RECORDS_MANAGER)
    second = role_user(Role.RECORDS_MANAGER)
    legal = Group.objects.create(name="legal-reviewers")
    second.groups.add(legal)
    steps = journey("staged_disposal_review")
    record_class = RecordClass.objects.get(code="CS-CHAT")

    # 1. The records manager names the two stages of CS-CHAT on the policy page.
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/disposal/policies/")
    page.get_by_role("link", name="Edit stages of CS-CHAT", exact=True).click()
    page.fill("#id_stages-0-name", "Records")
    page.fill("#id_stages-0-reviewers", first.get_username())
    page.fill("#id_stages-1-name", "Legal")
    page.select_option("#id_stages-1-reviewer_group", label="legal-reviewers")
    steps.step("policy form")
    page.get_by_role("button", name="Save stages").click()
    expect(page.locator("body")).to_contain_text("1. Records")
    steps.step("policy saved")
    assert DispositionStage.objects.filter(policy__record_class=record_class).count() == 2

    # 2. The scheduler proposes the batch; stage 1's reviewer reads it, sends one item back.
    _run_job("build_disposal_batches", now)
    batch = DisposalBatch.objects.get()
    page.context.clear_cookies()
    log_in(page, live_server.url, first)
    page.goto(f"{live_server.url}/disposal/{batch.pk}/")
    expect(page.locator("h1")).to_contain_text("stage 1 of 2: Records")
    expect(page.locator("#summary")).to_contain_text("2018")
    expect(page.locator("#items tbody tr")).to_have_count(3)
    steps.step("stage 1 review")
    sent_back = DisposalItem.objects.filter(batch=batch).order_by("pk").first()
    assert sent_back is not None
    page.get_by_label(f"Select record {sent_back.record_id}").check()
    page.fill("#bulk-reason", "complaint still open")
    page.fill("#bulk-review-at", "2031-01-01")
    page.get_by_role("button", name="Send selected back").click()
    expect(page.locator("#items")).to_contain_text("complaint still open")
    steps.step("item sent back")
    page.get_by_role("button", name="Approve stage 1 (Records)").click()
    expect(page.locator("h1")).to_contain_text("stage 2 of 2: Legal")
    # The first reviewer is not a reviewer of stage 2: no decision is offered.
    expect(page.get_by_role("button", name="Approve stage")).to_have_count(0)
    steps.step("stage 1 approved")

    # 3. A member of the legal group approves the last stage: the batch is approved.
    page.context.clear_cookies()
    log_in(page, live_server.url, second)
    page.goto(f"{live_server.url}/disposal/{batch.pk}/")
    page.get_by_role("button", name="Approve stage 2 (Legal)").click()
    expect(page.locator("h1")).to_contain_text("approved")
    expect(page.locator("body")).to_contain_text(f"approved by {first.get_username()}")
    steps.step("batch approved")

    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    assert DisposalItem.objects.get(pk=sent_back.pk).status == "excluded"
