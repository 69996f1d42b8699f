"""Issue #12 item 10: one 5 MB message imported fine and then broke every job run. A message
longer than MAX_MESSAGE_CHARS is refused at the door, by the one interchange validator that
import_chats, the API and every other importer go through."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from chats.interchange import InterchangeError, chat_payload_from_dict
from chats.models import Chat, Message
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db


def _with_text(index: int, text: str, **overrides: object) -> dict:
    data = chat_dict(**overrides)
    data["messages"][index]["text"] = text
    return data


def _run_import(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_chats", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_import_chats_rejects_an_overlong_message_with_its_line_and_field(tmp_path, settings):
    limit = settings.MAX_MESSAGE_CHARS
    lines = [
        chat_dict(external_id="fine-1"),
        _with_text(1, "x" * (limit + 1), external_id="too-long"),
        _with_text(0, "y" * limit, external_id="at-the-limit"),
    ]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    code, _out, err = _run_import(path)

    assert code == 1
    assert "chats.jsonl:2: rejected: messages[1].text:" in err
    assert "MAX_MESSAGE_CHARS" in err
    assert set(Chat.objects.values_list("external_id", flat=True)) == {"fine-1", "at-the-limit"}
    assert not Message.objects.filter(chat__external_id="too-long").exists()
    assert (tmp_path / "chats.jsonl.rejected.jsonl").read_text().count("\n") == 1


def test_the_limit_is_the_setting(settings):
    settings.MAX_MESSAGE_CHARS = 400
    chat_payload_from_dict(_with_text(2, "z" * 400))
    with pytest.raises(InterchangeError) as error:
        chat_payload_from_dict(_with_text(2, "z" * 401))
    assert error.value.field == "messages[2].text"


def test_api_post_of_an_overlong_message_is_400_and_stores_nothing(admin_api, settings):
    settings.MAX_MESSAGE_CHARS = 1000
    response = admin_api.post(
        "/api/v1/chats/", _with_text(0, "w" * 1001, external_id="api-long"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "messages[0].text"}
    assert "1000" in response.json()["message"]
    assert not Chat.objects.filter(external_id="api-long").exists()
