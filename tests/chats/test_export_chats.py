import json

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from chats.models import Message
from tests.factories import chat_dict, make_chat

pytestmark = pytest.mark.django_db

UNICODE_TEXTS = ["Bonjour, j'ai été débité deux fois — merci!", "Ça marche 👍", "東京の住所です"]


def _export(tmp_path, *args):
    out = tmp_path / "out.jsonl"
    call_command("export_chats", "--out", str(out), *args)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_export_keeps_message_order_and_unicode(tmp_path):
    messages = [
        {
            "sender": "customer" if i % 2 == 0 else "agent",
            "sent_at": f"2025-03-01T14:{i:02d}:00+00:00",
            "text": f"{i}: {UNICODE_TEXTS[i % 3]}",
        }
        for i in range(15)
    ]
    make_chat(external_id="uni-1", messages=messages)

    (chat,) = _export(tmp_path)

    assert [m["text"] for m in chat["messages"]] == [m["text"] for m in messages]
    assert "👍" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_export_has_interchange_shape_and_extras(tmp_path):
    make_chat(external_id="shape-1")
    (chat,) = _export(tmp_path)
    for key in (
        "external_id",
        "source",
        "started_at",
        "ended_at",
        "language",
        "country",
        "region",
        "customer",
        "agents",
        "messages",
        "survey",
        "tags",
    ):
        assert key in chat
    assert chat["customer"]["name"] == "Ana Silva"


def test_export_filters(tmp_path):
    make_chat(external_id="ca-1", country="CA", region="")
    make_chat(external_id="us-1", country="US", region="")
    rows = _export(tmp_path, "--country", "US")
    assert [row["external_id"] for row in rows] == ["us-1"]


def test_redacted_export_never_contains_originals(tmp_path):
    chat = make_chat(external_id="red-1")
    Message.objects.filter(chat=chat).update(text_redacted="[redacted line]")
    chat.redacted_at = chat.started_at
    chat.save(update_fields=["redacted_at"])
    make_chat(external_id="not-yet-redacted")

    rows = _export(tmp_path, "--redacted")

    assert [row["external_id"] for row in rows] == ["red-1"]
    text = (tmp_path / "out.jsonl").read_text()
    assert "charged twice" not in text
    assert "Ana Silva" not in text
    assert "ana" not in json.dumps(rows[0]["customer"]).lower()


def test_export_is_audited_without_personal_data(tmp_path):
    make_chat()
    _export(tmp_path, "--customer-email", "ana@example.ca")
    event = AuditEvent.objects.get(action="chats.exported")
    assert "ana@example.ca" not in json.dumps(event.data)


def test_roundtrip_export_then_import_is_a_noop(tmp_path):
    make_chat(external_id="rt-1")
    _export(tmp_path)
    call_command("import_chats", str(tmp_path / "out.jsonl"))
    assert Message.objects.count() == 3


def test_export_of_imported_line_round_trips_fields(tmp_path):
    original = chat_dict(external_id="rt-2")
    make_chat(**{k: v for k, v in original.items() if k != "external_id"}, external_id="rt-2")
    (chat,) = _export(tmp_path)
    assert chat["survey"]["rating"] == original["survey"]["rating"]
    assert [m["sender"] for m in chat["messages"]] == [m["sender"] for m in original["messages"]]
