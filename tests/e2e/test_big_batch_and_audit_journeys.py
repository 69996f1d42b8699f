"""Issue #18's acceptance journeys, JavaScript off, screenshots at 1280 and 375 px:

- a records manager reviews a disposal batch of 1,000 items — summary, bulk send-back of one
  summary row, approval — in under 5 page interactions (each navigation or form submission the
  person makes is one; the fields typed on the way are counted separately);
- an auditor finds every event of one record on one day in one search, events whose target
  is a list of ids ("13,193") included."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from audit.models import AuditEvent
from audit.services import audit_event_record
from chats.interchange import chat_payload_from_dict
from chats.services.import_batch import chats_import_batch
from core.roles import Role
from records.file_plan import file_plan_seed
from records.models import Record
from retention.models import DisposalBatch, DisposalItem, ItemStatus
from tests.e2e.conftest import Journey, log_in
from tests.factories import chat_dict

pytestmark = pytest.mark.browser

BIG_BATCH = 1_000
OLDER = 120  # of the 1,000, chats of 2017: the summary row the reviewer sends back
INTERACTIONS_ALLOWED = 5  # "under 5"


def _run_job(name: str, now: datetime) -> None:
    call_command("run_job", name, now=now.isoformat())


def _due_payloads(count: int) -> list[Any]:
    """Short US chats of 2017 (the first OLDER) and 2018, all due today (5-year schedule),
    built as the importer gets them."""
    payloads = []
    for i in range(count):
        year_start = datetime(2017 if i < OLDER else 2018, 1, 1, 10, 0, tzinfo=UTC)
        started = year_start + timedelta(minutes=7 * i)
        payloads.append(
            chat_payload_from_dict(
                chat_dict(
                    external_id=f"big-{i:04d}",
                    started_at=started,
                    country="US",
                    region="",
                    customer={"external_id": f"big-c{i}", "email": f"b{i}@example.com"},
                    messages=[
                        {
                            "sender": "customer",
                            "sent_at": started.isoformat(),
                            "text": "Where is my order?",
                        },
                        {
                            "sender": "agent",
                            "agent_external_id": "a-7",
                            "sent_at": (started + timedelta(minutes=1)).isoformat(),
                            "text": "It ships today.",
                        },
                    ],
                    survey=None,
                    tags=[],
                )
            )
        )
    return payloads


class Counter:
    """Counts what the person does: page interactions (a navigation or a submission) and
    fields typed."""

    def __init__(self, page: Page) -> None:
        self.page, self.interactions, self.typed = page, 0, 0

    def goto(self, url: str) -> None:
        self.interactions += 1
        self.page.goto(url)

    def click(self, locator: Any) -> None:
        self.interactions += 1
        locator.click()

    def fill(self, selector: str, value: str) -> None:
        self.typed += 1
        self.page.fill(selector, value)


def test_a_batch_of_1000_is_reviewed_with_summary_and_bulk_send_back_in_under_5_interactions(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    payloads = _due_payloads(BIG_BATCH)
    for chunk in range(0, BIG_BATCH, 250):
        chats_import_batch(payloads=payloads[chunk : chunk + 250])
    now = timezone.now()
    _run_job("declare_records", now)
    _run_job("build_disposal_batches", now)
    batch = DisposalBatch.objects.get()
    assert batch.items.count() == BIG_BATCH
    reviewer = role_user(Role.RECORDS_MANAGER)
    steps = journey("big_batch_review")
    log_in(page, live_server.url, reviewer)
    person = Counter(page)

    # 1. The batch, from the list: its summary first, the decision bar at the top.
    page.goto(f"{live_server.url}/disposal/")
    person.click(page.locator(f'a[href="/disposal/{batch.pk}/"]'))
    expect(page.locator("#summary")).to_contain_text("2017")
    steps.both("summary and decision bar")
    bar = page.locator(".decision-bar")
    assert bar.evaluate("el => getComputedStyle(el).position") == "sticky"
    # 2. The 2017 summary row's items.
    person.click(page.get_by_role("link", name="Show these 120 items"))
    expect(page.locator("main")).to_contain_text(f"{OLDER} items match the filter")
    steps.both("one summary row")
    # 3. Every pending item shown, sent back at once (two fields typed).
    person.fill("#matching-reason", "Complaint of 2017 still open")
    person.fill("#matching-review-at", "2027-06-01")
    person.click(page.get_by_role("button", name=f"Send back all {OLDER} pending items shown"))
    expect(page.get_by_role("status")).to_contain_text(f"{OLDER} records sent back")
    expect(page.locator("#messages")).to_be_focused()  # after the redirect: on the result
    steps.both("sent back")
    # 4. The decision, from the bar that stayed at hand.
    person.click(page.get_by_role("button", name="Approve"))
    expect(page.locator("h1")).to_contain_text("approved")
    steps.both("approved")

    assert person.interactions < INTERACTIONS_ALLOWED, person.interactions
    assert person.typed == 2
    excluded = DisposalItem.objects.filter(batch=batch, status=ItemStatus.EXCLUDED)
    assert excluded.count() == OLDER
    assert {
        item.record.chat.started_at.year for item in excluded.select_related("record__chat")
    } == {2017}
    assert DisposalItem.objects.filter(batch=batch, status=ItemStatus.PENDING).count() == (
        BIG_BATCH - OLDER
    )
    assert not Record.objects.filter(status="disposed").exists()  # destroyed only on execution


def test_an_auditor_finds_every_event_of_one_record_and_one_day_in_one_search(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    manager = role_user(Role.RECORDS_MANAGER)
    now = timezone.now()
    the_day = now.date()
    for i in range(3):
        audit_event_record(actor=manager, action="record.viewed", target=None, data={"n": i})
    # Events naming record 13 alone, in a list, and a similar id (131) that must not match.
    for target_id in ("13", "13,193", "7,13", "131", "213"):
        audit_event_record(
            actor=manager,
            action="record.changed",
            target_type="records.record",
            target_id=target_id,
            data={"t": target_id},
        )
    yesterday = now - timedelta(days=1)
    audit_event_record(
        actor=manager,
        action="record.changed",
        target_type="records.record",
        target_id="13",
        occurred_at=yesterday,
    )
    wanted = {"13", "13,193", "7,13"}
    auditor = role_user(Role.COMPLIANCE_AUDITOR)
    steps = journey("auditor_one_search")
    log_in(page, live_server.url, auditor)
    page.goto(f"{live_server.url}/audit/")
    page.fill('input[name="target_id"]', "13")
    page.fill('input[name="day_from"]', the_day.isoformat())
    page.fill('input[name="day_to"]', the_day.isoformat())
    page.get_by_role("button", name="Filter").click()  # the one search
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(len(wanted))
    steps.both("one record one day")
    shown = {row.locator('td[data-label="Target"]').inner_text() for row in rows.all()}
    assert all("13" in text for text in shown)
    assert not any("131" in text or "213" in text for text in shown)
    assert AuditEvent.objects.filter(target_id="13").count() == 2  # yesterday's is not shown
