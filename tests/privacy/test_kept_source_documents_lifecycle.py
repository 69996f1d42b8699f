"""The kept source document (SPEC §3, issue #20): the chat as its source sent it, with what the
interchange does not map. It is personal data: never shown to support staff, never in a
redacted export; in the DSR export and `export_records --original`; purged with the originals;
destroyed with the chat by disposal and erasure, leaving no copy in any table.

The document carries a value found nowhere else (an unmapped vendor field), so a leak shows.
"""

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import ChatSourceDocument, Message
from records.models import Record
from redaction.services import chats_redact
from retention.services.destruction import records_destroy
from retention.services.purge import pii_originals_purge
from tests.privacy.conftest import EMAIL, NOW, person_chat

pytestmark = pytest.mark.django_db

UNMAPPED = "vendor-visitor-cookie-7f3a9c"


def _chat(number: int = 1, started_at: str = "2016-01-01T10:00:00+00:00") -> Any:
    chat = person_chat(
        started_at,
        number=number,
        visitor={"cookie": UNMAPPED},
        messages=[
            {
                "sender": "customer",
                "sent_at": started_at,
                "text": "Here is my ID",
                "attachments": [{"name": "Ana Person id.jpg", "content_type": "image/jpeg"}],
            }
        ],
    )
    chats_redact(now=NOW)
    return chat


def _tables_holding(value: str) -> list[str]:
    """Every table with a row whose text shows `value` (compressed documents are checked by
    their own table being empty)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            if any(value in str(row) for row in cursor.fetchall()):
                found.append(table)
    return found


def test_support_staff_and_redacted_exports_never_show_the_document(
    file_plan, client, support_user, manager_user, tmp_path
):
    chat = _chat()
    assert ChatSourceDocument.objects.filter(chat=chat).count() == 1
    for user in (support_user, manager_user):
        client.force_login(user)
        page = client.get(reverse("chat-detail", args=[chat.pk])).content.decode()
        api = client.get(f"/api/v1/chats/{chat.pk}/").content.decode()
        assert UNMAPPED not in page
        assert UNMAPPED not in api
    out = tmp_path / "redacted.jsonl"
    call_command("export_chats", "--out", str(out), "--redacted")
    assert UNMAPPED not in out.read_text()
    bag = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(bag))
    assert UNMAPPED not in (bag / "data" / "records.jsonl").read_text()


def test_the_dsr_export_and_an_original_package_include_it(
    file_plan, make_request, manager_api: APIClient, tmp_path
):
    _chat()
    dsr = make_request(kind="access", jurisdiction="US")
    exported = manager_api.post(f"/api/v1/subject-requests/{dsr.pk}/export/?format=json")
    (chat,) = json.loads(exported.content)["chats"]
    (document,) = chat["source_documents"]
    assert UNMAPPED in document["document"]
    assert document["format"] == "native"
    bag = tmp_path / "bag"
    call_command("export_records", "--format", "bagit", "--out", str(bag), "--original")
    (line,) = (bag / "data" / "records.jsonl").read_text().splitlines()
    assert UNMAPPED in json.loads(line)["chat"]["source_documents"][0]["document"]


def test_purging_the_originals_purges_the_document_and_attachment_originals(file_plan):
    chat = _chat()

    assert pii_originals_purge(now=NOW).purged == 1

    assert not ChatSourceDocument.objects.filter(chat=chat).exists()
    message = Message.objects.get(chat=chat)
    assert message.attachments == []
    assert message.attachments_redacted[0]["name"] != "Ana Person id.jpg"
    assert _tables_holding(UNMAPPED) == []
    assert _tables_holding("Ana Person id.jpg") == []


def test_disposal_leaves_no_copy_in_any_table(file_plan):
    chat = _chat()
    record = Record.objects.get(chat=chat)

    records_destroy(record_ids=[record.pk], now=NOW, reason="test")

    assert not ChatSourceDocument.objects.filter(chat=chat).exists()
    assert _tables_holding(UNMAPPED) == []


def test_erasure_leaves_no_copy_in_any_table(file_plan, manager_api: APIClient):
    chat = _chat()
    created = manager_api.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "jurisdiction": "US", "email": EMAIL},
        format="json",
    ).json()

    response = manager_api.post(f"/api/v1/subject-requests/{created['id']}/erase/")

    assert response.json()["items"][0]["outcome"] == "erased"
    assert not ChatSourceDocument.objects.filter(chat=chat).exists()
    assert _tables_holding(UNMAPPED) == []
