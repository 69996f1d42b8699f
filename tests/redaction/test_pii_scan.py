import json

import pytest
from django.core.management import call_command

from chats.models import Chat
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db


def test_pii_scan_prints_findings_by_type_per_chat_and_stores_nothing(tmp_path, capsys):
    path = tmp_path / "chats.jsonl"
    chat = chat_dict(
        external_id="scan-1",
        messages=[
            {
                "sender": "customer",
                "sent_at": "2025-03-01T14:02:11Z",
                "text": "I'm Ana Silva, call 416-482-4876 or ana@example.ca",
            }
        ],
    )
    path.write_text(json.dumps(chat) + "\n" + "{broken\n", encoding="utf-8")

    call_command("pii_scan", str(path))

    out = capsys.readouterr().out
    assert "livechat:scan-1: EMAIL 1, PERSON 1, PHONE 1" in out
    assert "1 chats scanned, 1 lines rejected" in out
    assert "416-482-4876" not in out
    assert "Ana" not in out
    assert not Chat.objects.exists()
