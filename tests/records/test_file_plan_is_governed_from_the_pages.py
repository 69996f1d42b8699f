"""Issue #16 item 4: records managers create and edit record classes and declaration rules from
the pages, each change with a reason, audited and kept in history; a rule is previewed on the
last 90 days' chats before it is saved; auditors read and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from records.file_plan import file_plan_seed
from records.models import DeclarationRule, RecordClass
from tests.factories import make_chat

pytestmark = pytest.mark.django_db

RULE = {
    "position": 1,
    "name": "Warranty chats",
    "description": "",
    "record_class": "",
    "agent_participation": "any",
    "is_active": "on",
    "keywords": "warranty",
    "reason": "warranty claims are records now",
}


@pytest.fixture
def plan() -> None:
    file_plan_seed()


def _recent_chat(text: str) -> None:
    ended = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    make_chat(
        started_at=(ended - timedelta(minutes=5)).isoformat(),
        ended_at=ended.isoformat(),
        messages=[
            {
                "sender": "customer",
                "sent_at": (ended - timedelta(minutes=4)).isoformat(),
                "text": text,
            },
            {
                "sender": "agent",
                "sent_at": (ended - timedelta(minutes=3)).isoformat(),
                "text": "Sure.",
            },
        ],
    )


def test_an_auditor_cannot_change_the_file_plan_and_nothing_moves(client, auditor_user, plan):
    client.force_login(auditor_user)
    before = (RecordClass.objects.count(), DeclarationRule.objects.count())
    assert (
        client.post(
            "/file-plan/classes/new/", {"code": "X", "title": "X", "reason": "r"}
        ).status_code
        == 403
    )
    assert client.post("/file-plan/rules/new/", RULE).status_code == 403
    assert (RecordClass.objects.count(), DeclarationRule.objects.count()) == before
    assert client.get("/file-plan/rules/new/").status_code == 200


def test_a_change_without_a_reason_is_refused_and_nothing_is_saved(client, manager_user, plan):
    client.force_login(manager_user)
    response = client.post(
        "/file-plan/classes/new/", {"code": "CS-WARRANTY", "title": "Warranty", "reason": ""}
    )
    assert response.status_code == 200
    assert not RecordClass.objects.filter(code="CS-WARRANTY").exists()


def test_the_preview_counts_exactly_the_recent_chats_the_rule_would_take(
    client, manager_user, plan
):
    _recent_chat("My warranty ran out, can you help?")
    _recent_chat("I want a refund for my order")
    complaint = RecordClass.objects.get(code="CS-CHAT-COMPLAINT")
    client.force_login(manager_user)
    rules_before = DeclarationRule.objects.count()
    page = client.post(
        "/file-plan/rules/new/", {**RULE, "record_class": complaint.pk, "step": "preview"}
    ).content.decode()
    assert "this rule would decide 1." in page
    assert "would become record of CS-CHAT-COMPLAINT" in page
    assert DeclarationRule.objects.count() == rules_before


def test_a_saved_class_and_rule_are_audited_with_their_reason_and_kept_in_history(
    client, manager_user, plan
):
    client.force_login(manager_user)
    response = client.post(
        "/file-plan/classes/new/",
        {
            "code": "CS-WARRANTY",
            "title": "Warranty claims",
            "is_record": "on",
            "vital": "on",
            "reason": "new class",
        },
    )
    assert response.status_code == 302
    warranty = RecordClass.objects.get(code="CS-WARRANTY")
    assert warranty.vital
    assert warranty.history.first().history_change_reason == "new class"
    client.post("/file-plan/rules/new/", {**RULE, "record_class": warranty.pk, "step": "save"})
    rule = DeclarationRule.objects.get(name="Warranty chats")
    assert rule.keywords == ["warranty"]
    assert rule.history.first().history_user == manager_user
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"record_class.created", "declaration_rule.created"} <= actions
    edit = client.get(f"/file-plan/rules/{rule.pk}/").content.decode()
    assert 'value="warranty"' in edit
