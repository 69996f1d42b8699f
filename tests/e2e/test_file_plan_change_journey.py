"""A file-plan change in a real browser (issue #16), JavaScript off: a records manager writes a
declaration rule, previews it on the last 90 days' chats, saves it with a reason, then edits a
schedule whose impact preview comes before the save."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from records.file_plan import file_plan_seed
from records.models import DeclarationRule, RecordClass
from tests.e2e.conftest import Journey, log_in
from tests.factories import make_chat

pytestmark = pytest.mark.browser


def test_a_rule_is_previewed_then_saved_from_the_file_plan(
    live_server: Any, role_user: Callable[[Role], User], page: Page, journey: Callable[..., Journey]
) -> None:
    file_plan_seed()
    ended = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    make_chat(
        started_at=(ended - timedelta(minutes=9)).isoformat(),
        ended_at=ended.isoformat(),
        messages=[
            {
                "sender": "customer",
                "sent_at": (ended - timedelta(minutes=8)).isoformat(),
                "text": "warranty claim please",
            },
            {
                "sender": "agent",
                "sent_at": (ended - timedelta(minutes=7)).isoformat(),
                "text": "Of course.",
            },
        ],
    )
    manager = role_user(Role.RECORDS_MANAGER)
    steps = journey("file_plan_change")
    log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/file-plan/")
    page.get_by_role("link", name="Add a declaration rule").click()
    page.fill("#id_position", "1")
    page.fill("#id_name", "Warranty chats")
    page.select_option("#id_record_class", label="CS-CHAT-COMPLAINT")
    page.fill("#id_keywords", "warranty")
    page.fill("#id_reason", "warranty claims are complaints")
    page.get_by_role("button", name="Preview on the last 90 days").click()
    expect(page.get_by_role("status")).to_contain_text("this rule would decide 1.")
    steps.step("rule preview")
    assert not DeclarationRule.objects.filter(name="Warranty chats").exists()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("body")).to_contain_text("Declaration rule Warranty chats saved.")
    steps.step("rule saved")
    assert DeclarationRule.objects.get(
        name="Warranty chats"
    ).record_class == RecordClass.objects.get(code="CS-CHAT-COMPLAINT")
