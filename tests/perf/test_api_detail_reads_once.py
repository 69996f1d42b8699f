"""The API's chat and record detail read each thing once (issue #19): a chat's messages in one
query however many readers' sections they fill (transcript, internal notes), no agents (the API
detail does not show them); a record's active legal holds in one query for both `holds` and the
explanation."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from core.roles import Role
from records.file_plan import file_plan_seed
from records.models import Record
from records.services import records_declare
from retention.models import LegalHold
from retention.services.holds import legal_hold_place, legal_hold_release
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, tzinfo=UTC)
NOTE = "VIP: never refund twice"
MESSAGES = [
    {"sender": "customer", "sent_at": "2025-03-01T14:02:11Z", "text": "Where is my order?"},
    {
        "sender": "agent",
        "sent_at": "2025-03-01T14:02:30Z",
        "text": NOTE,
        "visibility": "internal",
        "agent_external_id": "a-1",
    },
    {"sender": "agent", "sent_at": "2025-03-01T14:03:00Z", "text": "It ships today"},
]


def _tables_read(queries: list[dict[str, Any]], table: str) -> int:
    """Queries whose first FROM is `table` (a subquery of another table's query does not count)."""
    first_from = re.compile(r' FROM "(\w+)"')
    return sum(
        1
        for query in queries
        if (found := first_from.search(query["sql"])) is not None and found.group(1) == table
    )


@pytest.mark.parametrize(
    "role", [Role.SUPPORT_STAFF, Role.RECORDS_MANAGER, Role.COMPLIANCE_AUDITOR]
)
def test_chat_detail_reads_its_messages_in_one_query_and_no_agents(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient], role: Role
) -> None:
    chat = make_chat(messages=MESSAGES, agents=[{"external_id": "a-1", "name": "Sam"}])
    client = api_client_for(make_user(role))

    with CaptureQueriesContext(connection) as context:
        body = client.get(reverse("api-chat-detail", args=[chat.pk])).json()

    assert _tables_read(context.captured_queries, "chats_message") == 1
    assert _tables_read(context.captured_queries, "chats_agent") == 0
    assert [m["text"] for m in body["messages"]] == [
        "[not yet redacted]",
        "[not yet redacted]",
    ]
    assert NOTE not in str(body["messages"])  # a note is never a transcript line
    if role == Role.SUPPORT_STAFF:
        assert "internal_notes" not in body
    else:
        assert [n["position"] for n in body["internal_notes"]] == [1]
        assert body["internal_notes"][0]["agent_external_id"] == "a-1"
        assert [m["position"] for m in body["messages"]] == [0, 2]


def test_chat_detail_of_a_missing_chat_is_a_404(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient]
) -> None:
    client = api_client_for(make_user(Role.RECORDS_MANAGER))
    assert client.get(reverse("api-chat-detail", args=[987654])).status_code == 404


@pytest.mark.parametrize("held", [False, True])
def test_record_detail_reads_the_active_holds_once(
    make_user: Callable[..., User], api_client_for: Callable[[User], APIClient], held: bool
) -> None:
    file_plan_seed()
    manager = make_user(Role.RECORDS_MANAGER)
    chat = make_chat(started_at=datetime(2025, 3, 1, tzinfo=UTC))
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)
    if held:
        for matter in ("Smith v. Shop", "released", "Doe v. Shop"):
            legal_hold_place(
                matter=matter,
                reason="litigation",
                scope={"record_ids": [record.pk]},
                issued_by=manager,
            )
        released = LegalHold.objects.get(matter="released")
        legal_hold_release(hold=released, released_by=manager, reason="settled")
    client = api_client_for(manager)

    with CaptureQueriesContext(connection) as context:
        body = client.get(reverse("api-record-detail", args=[record.pk])).json()

    reads = _tables_read(context.captured_queries, "retention_legalhold")
    reads += _tables_read(context.captured_queries, "retention_legalholdrecord")
    assert reads == 1, "\n".join(q["sql"][:160] for q in context.captured_queries)
    active = sorted(LegalHold.objects.filter(released_at__isnull=True).values_list("pk", flat=True))
    assert len(active) == (2 if held else 0)
    assert body["holds"] == (active if held else [])
    assert [h["id"] for h in body["explanation"]["holds"]] == body["holds"]
    assert body["explanation"]["held"] is held
