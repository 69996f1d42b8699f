"""Issue #18's "Found" list, walked in a real browser with JavaScript off, each step saved at
1280 and 375 px under test-artifacts/: the destroyed chat (tombstone, batch, certificate, no
actions it no longer has), chats and records linked both ways, the support agent's search by
its own placeholder, the confirmed transcript e-mail and the 404 page, and the hold form that
takes a country name and puts the focus on its result."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from knowledgebase.services.taxonomy import taxonomy_seed
from records.file_plan import file_plan_seed
from records.models import Record
from retention.models import DisposalBatch, LegalHold
from retention.services.disposal.proposal import disposal_batch_approve
from tests.e2e.conftest import Journey, log_in
from tests.factories import make_chat

pytestmark = pytest.mark.browser


def _run_job(name: str, now: datetime) -> None:
    call_command("run_job", name, now=now.isoformat())


def test_a_destroyed_chat_shows_tombstone_batch_and_certificate_and_the_list_links_them(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    chat = make_chat(started_at=datetime(2018, 1, 2, 10, 0, tzinfo=UTC), country="US", region="")
    now = timezone.now()
    _run_job("declare_records", now)
    _run_job("build_disposal_batches", now)
    batch = DisposalBatch.objects.get()
    approver, manager = role_user(Role.RECORDS_MANAGER), role_user(Role.RECORDS_MANAGER)
    disposal_batch_approve(batch=batch, approver=approver, now=now)
    _run_job("execute_disposals", now)
    record = Record.objects.get(chat=chat)
    steps = journey("destroyed_chat")
    log_in(page, live_server.url, manager)

    page.goto(f"{live_server.url}/chats/?sort=-started")
    row = page.locator("#chats tbody tr", has_text=chat.external_id)
    expect(row.locator('td[data-label="Status"]')).to_contain_text("Disposed")
    expect(row.get_by_role("link", name=f"batch {batch.pk}")).to_be_visible()
    steps.both("chat list with status and batch")

    row.get_by_role("link", name=f"{chat.source}:{chat.external_id}").click()
    panel = page.locator(".record-panel")
    expect(panel).to_contain_text("content was destroyed")
    expect(panel.get_by_role("link", name=f"Record {record.pk}")).to_be_visible()
    expect(panel.get_by_role("link", name=f"Batch {batch.pk}")).to_be_visible()
    expect(panel.get_by_role("link", name="Certificate no.")).to_be_visible()
    for gone in ("Show original text", "Suggest an article", "Add tag", "Email the transcript"):
        expect(page.get_by_text(gone)).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("No messages.")
    steps.both("destroyed chat")

    panel.get_by_role("link", name="Certificate no.").click()
    expect(page.locator("h1")).to_contain_text("Certificate of disposal")
    steps.both("its certificate")


def test_support_staff_search_by_the_placeholder_confirm_the_transcript_and_see_a_404(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    taxonomy_seed()
    started = timezone.now().replace(microsecond=0) - timedelta(days=2)
    chat = make_chat(
        started_at=started,
        messages=[
            {
                "sender": "customer",
                "sent_at": started.isoformat(),
                "text": "My refund was not received yet",
            },
            {
                "sender": "agent",
                "agent_external_id": "a-7",
                "sent_at": (started + timedelta(minutes=1)).isoformat(),
                "text": "I have sent the refund again today.",
            },
        ],
        customer={"external_id": "c-rf", "name": "Zoë Park", "email": "zoe.park@example.com"},
    )
    now = timezone.now()
    _run_job("redact_pii", now)
    _run_job("extract_keywords", now)
    steps = journey("support_search_transcript_404")
    log_in(page, live_server.url, role_user(Role.SUPPORT_STAFF))
    placeholder = page.get_by_role("searchbox").get_attribute("placeholder") or ""
    page.get_by_role("searchbox").fill(placeholder.removeprefix("e.g. "))
    page.get_by_role("button", name="Search").click()
    expect(page.locator(f'ol.search-results a[href="/chats/{chat.pk}/"]')).to_be_visible()
    steps.both("the placeholder's own query finds the chat")

    page.goto(f"{live_server.url}/chats/{chat.pk}/")
    page.get_by_role("link", name="Email the transcript to the customer…").click()
    expect(page.locator("main")).to_contain_text("z•••@example.com")
    expect(page.locator("main")).not_to_contain_text("zoe.park@example.com")
    steps.both("transcript confirmation with the masked address")

    response = page.goto(f"{live_server.url}/chats/987654/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Traceback")
    expect(page.locator("header .who")).to_be_visible()  # our page, with its navigation
    steps.both("404 page")


def test_the_hold_form_takes_a_country_name_and_focus_lands_on_the_result(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    make_chat(country="CA", region="CA-ON")
    _run_job("declare_records", timezone.now())
    steps = journey("hold_country_and_focus")
    log_in(page, live_server.url, role_user(Role.RECORDS_MANAGER))
    page.goto(f"{live_server.url}/holds/")
    page.fill("#id_matter", "Refund dispute")
    page.fill("#id_reason", "Letter from counsel")
    page.fill("#id_countries", "Narnia")
    page.get_by_role("button", name="Preview count").click()
    expect(page.locator("main")).to_contain_text("“Narnia” is not a country")
    steps.both("a country that is none is refused, naming it")

    page.fill("#id_countries", "Canada")
    page.get_by_role("button", name="Preview count").click()
    expect(page.get_by_role("status")).to_contain_text("covers 1 record")
    page.get_by_role("button", name="Place hold").click()
    hold = LegalHold.objects.get()
    assert hold.scope["countries"] == ["CA"]  # "Canada", never "CA" cut from it unseen
    expect(page.locator("main")).to_contain_text("countries: CA")
    expect(page.locator("#messages")).to_be_focused()
    steps.both("hold placed, focus on its result")

    page.goto(f"{live_server.url}/kb/articles/")
    expect(page.locator('nav[aria-label="Main"] [aria-current="page"]')).to_have_count(1)
    steps.both("one current navigation item")
