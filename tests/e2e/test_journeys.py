"""Each role's main journey in a real browser (issue #8), JavaScript off, screenshots per step."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from chats.models import Chat, Message
from core.roles import Role
from knowledgebase.models import Article
from knowledgebase.services.taxonomy import taxonomy_seed
from records.file_plan import file_plan_seed
from records.models import Record, RecordStatus
from retention.models import DisposalBatch, LegalHold
from tests.e2e.conftest import Journey, log_in
from tests.factories import make_chat

pytestmark = pytest.mark.browser

# Identity values planted in the chat: none may reach a support agent's screen.
CUSTOMER_NAME = "Marguerite Kowalczyk"
CUSTOMER_EMAIL = "marguerite.kowalczyk@example.ca"
CUSTOMER_PHONE = "+1 416 555 0172"
SECRET_VALUES = ("Marguerite", "Kowalczyk", CUSTOMER_EMAIL, "555 0172", "555-0172")


def _run_job(name: str, now: datetime) -> None:
    call_command("run_job", name, now=now.isoformat())


def _messages(started: datetime, *texts: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "sender": sender,
            "sent_at": (started + timedelta(minutes=i)).isoformat(),
            "text": text,
            **({"agent_external_id": "a-7"} if sender == "agent" else {}),
        }
        for i, (sender, text) in enumerate(texts)
    ]


def _refund_chat() -> Chat:
    started = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    return make_chat(
        started_at=started,
        customer={
            "external_id": "c-mk",
            "name": CUSTOMER_NAME,
            "email": CUSTOMER_EMAIL,
            "phone": CUSTOMER_PHONE,
        },
        messages=_messages(
            started,
            (
                "customer",
                f"Hi, this is {CUSTOMER_NAME}. I returned the blender two weeks ago and I "
                f"still have no refund. Write to me at {CUSTOMER_EMAIL} or {CUSTOMER_PHONE}.",
            ),
            (
                "agent",
                "Sorry Marguerite! I have approved the refund of your blender; the money is "
                "back on your card in 5 business days.",
            ),
            ("customer", "Thanks, that helps."),
        ),
        tags=[],
    )


def _assert_no_secret(page: Page) -> None:
    html = page.content()
    for value in SECRET_VALUES:
        assert value not in html, f"{value!r} is visible to support staff at {page.url}"


def test_support_staff_searches_opens_redacted_chat_and_suggests_article(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    taxonomy_seed()
    chat = _refund_chat()
    _run_job("redact_pii", timezone.now())
    _run_job("extract_keywords", timezone.now())
    user = role_user(Role.SUPPORT_STAFF)
    steps = journey("support_staff")

    log_in(page, live_server.url, user)
    expect(page).to_have_url(f"{live_server.url}/kb/")
    steps.step("landing on KB search")

    page.get_by_role("searchbox").fill("refund blender")
    page.get_by_role("button", name="Search").click()
    hit = page.locator(f'ol.search-results a[href="/chats/{chat.pk}/"]')
    expect(hit).to_be_visible()
    _assert_no_secret(page)
    steps.step("search results")

    hit.click()
    expect(page.locator("h1")).to_contain_text(chat.external_id)
    expect(page.locator("ol.transcript")).to_contain_text("refund")
    expect(page.locator("ol.transcript")).to_contain_text("[PERSON_1]")
    _assert_no_secret(page)
    steps.step("redacted chat")

    page.get_by_role("link", name="Suggest an article from this chat").click()
    expect(page.locator("h1")).to_contain_text("Suggest an article")
    expect(page.locator("#id_question")).not_to_be_empty()
    _assert_no_secret(page)
    steps.step("suggested article form")

    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save").click()
    article = Article.objects.get()
    expect(page).to_have_url(f"{live_server.url}/kb/articles/{article.pk}/")
    _assert_no_secret(page)
    steps.step("article saved")

    assert article.status == "published"
    assert "blender" in (article.question + article.solution).lower()
    assert not any(value in article.question + article.solution for value in SECRET_VALUES)
    # The original text is untouched by the journey.
    assert Message.objects.filter(chat=chat, text__contains=CUSTOMER_EMAIL).exists()


def _due_chats(count: int) -> list[Chat]:
    """US chats from January 2018: 5-year schedule, due for disposal today."""
    return [
        make_chat(
            started_at=datetime(2018, 1, day + 1, 10, 0, tzinfo=UTC),
            country="US",
            region="",
            customer={"external_id": f"c-due-{day}", "name": "Al Due", "email": f"d{day}@ex.com"},
        )
        for day in range(count)
    ]


def test_records_manager_holds_reviews_approves_executes_and_opens_certificate(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    chats = _due_chats(4)
    held_chat = chats[0]
    now = timezone.now()
    _run_job("declare_records", now)
    user = role_user(Role.RECORDS_MANAGER)
    steps = journey("records_manager")

    log_in(page, live_server.url, user)
    steps.step("landing")

    page.goto(f"{live_server.url}/holds/")
    page.fill("#id_matter", "Smith v. Shop")
    page.fill("#id_reference", "LIT-2026-7")
    page.fill("#id_reason", "Litigation about a 2018 refund")
    assert held_chat.customer is not None
    page.fill("#id_customer_emails", held_chat.customer.email)
    page.get_by_role("button", name="Preview count").click()
    expect(page.get_by_role("status")).to_contain_text("covers 1 record")
    steps.step("hold scope preview")

    page.get_by_role("button", name="Place hold").click()
    hold = LegalHold.objects.get()
    expect(page).to_have_url(f"{live_server.url}/holds/{hold.pk}/")
    steps.step("hold placed")

    # The scheduler proposes the batch (the same code the beat task runs).
    _run_job("build_disposal_batches", now)
    batch = DisposalBatch.objects.get()
    page.goto(f"{live_server.url}/disposal/")
    page.locator(f'a[href="/disposal/{batch.pk}/"]').click()
    expect(page.locator("h1")).to_contain_text("proposed")
    items = page.locator("#items tbody tr")
    expect(items).to_have_count(3)  # the held chat's record was never proposed
    steps.step("batch review")

    page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1")).to_contain_text("approved")
    steps.step("batch approved")

    _run_job("execute_disposals", now)
    page.reload()
    expect(page.locator("h1")).to_contain_text("completed")
    steps.step("batch completed")

    page.get_by_role("link", name="no. ").click()
    expect(page.locator("body")).to_contain_text("3")
    steps.step("certificate")

    statuses = dict(Record.objects.values_list("chat_id", "status"))
    assert statuses[held_chat.pk] == RecordStatus.ACTIVE
    assert [statuses[c.pk] for c in chats[1:]] == [RecordStatus.DISPOSED] * 3
    assert Message.objects.filter(chat=held_chat).count() == 3


def test_compliance_auditor_reads_history_verifies_chain_and_cannot_write(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    chat = _due_chats(1)[0]
    _run_job("declare_records", timezone.now())
    record = Record.objects.get(chat=chat)
    user = role_user(Role.COMPLIANCE_AUDITOR)
    steps = journey("compliance_auditor")

    log_in(page, live_server.url, user)
    steps.step("landing")

    page.goto(f"{live_server.url}/records/{record.pk}/")
    expect(page.locator("h1")).to_contain_text(f"Record {record.pk}")
    expect(page.locator("table").last).to_contain_text("status Active (retained)")
    steps.step("record history")

    page.goto(f"{live_server.url}/audit/")
    page.get_by_role("button", name="Verify chain").click()
    expect(page.get_by_role("status").last).to_contain_text("audit chain intact")
    steps.step("audit chain verified")

    # The hold form is not offered; a forged POST (valid session and CSRF token) is refused.
    page.goto(f"{live_server.url}/holds/")
    expect(page.get_by_role("button", name="Preview count")).to_have_count(0)
    steps.step("holds read only")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/holds/",
        form={
            "csrfmiddlewaretoken": csrf,
            "step": "save",
            "matter": "forged",
            "reason": "forged",
            "countries": "US",
        },
        headers={"Referer": f"{live_server.url}/holds/"},
    )
    assert response.status == 403
    page.goto(f"{live_server.url}/kb/articles/new/")
    expect(page.locator("h1")).to_have_text("Not allowed")
    steps.step("write refused")
    assert LegalHold.objects.count() == 0
    assert Article.objects.count() == 0
