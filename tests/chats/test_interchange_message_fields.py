"""SPEC §3 per-message fields: the source's message id, attachments and visibility (issue #20).

Hostile cases first: a malformed or oversized attachment list, a `javascript:` address, an
unknown visibility, an attachment-only message, a file name that is the customer's e-mail.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from chats.interchange import InterchangeError, chat_payload_from_dict
from chats.interchange_messages import MAX_ATTACHMENTS_PER_MESSAGE
from chats.models import Message
from redaction.services import chats_redact
from tests.factories import chat_dict, make_chat

pytestmark = pytest.mark.django_db

SENT = "2025-03-01T14:05:00+00:00"


def _message(**extra):
    return {"sender": "customer", "sent_at": SENT, "text": "see attached", **extra}


def _rejected(messages):
    with pytest.raises(InterchangeError) as caught:
        chat_payload_from_dict(chat_dict(messages=messages))
    return caught.value


@pytest.mark.parametrize(
    ("size", "reason"),
    [(-1, "out of range"), ("12kB", "whole number"), (True, "whole number"), (10**15, "range")],
)
def test_a_bad_attachment_size_is_refused_with_its_field_path(size, reason):
    attachment = {"name": "receipt.pdf", "content_type": "application/pdf", "size": size}
    error = _rejected([_message(), _message(), _message(attachments=[attachment])])
    assert error.field == "messages[2].attachments[0].size"
    assert reason in error.reason


def test_too_many_attachments_are_refused():
    many = [{"name": f"f{i}.png"} for i in range(MAX_ATTACHMENTS_PER_MESSAGE + 1)]
    error = _rejected([_message(attachments=many)])
    assert error.field == "messages[0].attachments"


def test_a_script_address_as_attachment_url_is_refused():
    attachment = {"name": "x.png", "url": "javascript:alert(1)"}
    error = _rejected([_message(attachments=[{"name": "ok.png"}, attachment])])
    assert error.field == "messages[0].attachments[1].url"


def test_attachments_must_be_a_list_of_objects_with_a_name_or_url():
    assert _rejected([_message(attachments={"name": "a"})]).field == "messages[0].attachments"
    assert _rejected([_message(attachments=["a.png"])]).field == "messages[0].attachments[0]"
    assert _rejected([_message(attachments=[{"size": 3}])]).field == "messages[0].attachments[0]"


@pytest.mark.parametrize("visibility", ["secret", "", 1, "agents"])
def test_an_unknown_visibility_is_refused(visibility):
    error = _rejected([_message(), _message(visibility=visibility)])
    assert error.field == "messages[1].visibility"


def test_message_id_attachments_and_visibility_are_kept():
    attachment = {
        "name": "Receipt.PDF",
        "content_type": "Application/PDF",
        "size": 2048,
        "url": "https://files.example.com/r/1",
    }
    chat = make_chat(
        messages=[
            _message(external_id="m-1"),
            {"sender": "customer", "sent_at": SENT, "attachments": [attachment]},
            {"sender": "agent", "sent_at": SENT, "text": "vip", "visibility": "internal"},
        ]
    )
    first, only_file, note = Message.objects.filter(chat=chat).order_by("position")
    assert (first.external_id, first.visibility, first.attachments) == ("m-1", "public", [])
    assert only_file.text == ""
    assert only_file.attachments == [
        {
            "name": "Receipt.PDF",
            "content_type": "application/pdf",
            "size": 2048,
            "url": "https://files.example.com/r/1",
        }
    ]
    assert note.visibility == "internal"


def _export(tmp_path, *args):
    out = tmp_path / "out.jsonl"
    call_command("export_chats", "--out", str(out), *args)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_export_writes_the_fields_back_one_per_imported_message_in_order(tmp_path):
    attachment = {"name": "a.png", "content_type": "image/png", "size": 5, "url": ""}
    sent = [
        _message(external_id="m-1"),
        {"sender": "agent", "sent_at": SENT, "text": "note", "visibility": "internal"},
        {"sender": "customer", "sent_at": SENT, "text": "", "attachments": [attachment]},
    ]
    make_chat(messages=sent)

    (chat,) = _export(tmp_path)

    assert [m.get("external_id") for m in chat["messages"]] == ["m-1", None, None]
    assert [m["visibility"] for m in chat["messages"]] == ["public", "internal", "public"]
    assert chat["messages"][2]["attachments"] == [attachment]
    assert chat["messages"][1]["text"] == "note"


def test_attachment_names_get_a_redacted_layer_and_support_staff_see_only_it(
    client, support_user, tmp_path
):
    chat = make_chat(
        customer={"external_id": "c-1", "name": "Ana Silva", "email": "ana.silva@example.ca"},
        messages=[
            {
                "sender": "customer",
                "sent_at": SENT,
                "attachments": [{"name": "Ana Silva - passport.jpg", "content_type": "image/jpeg"}],
            }
        ],
    )
    client.force_login(support_user)
    before = client.get(reverse("chat-detail", args=[chat.pk])).content.decode()
    assert "passport" not in before  # not redacted yet: nothing of the name is shown

    chats_redact(now=chat.imported_at)

    page = client.get(reverse("chat-detail", args=[chat.pk])).content.decode()
    assert "[attachment: [PERSON_1] - passport.jpg, image/jpeg]" in page
    assert "Ana Silva" not in page
    (exported,) = _export(tmp_path, "--redacted")
    assert exported["messages"][0]["attachments"][0]["name"] == "[PERSON_1] - passport.jpg"
    api = client.get(f"/api/v1/chats/{chat.pk}/").json()
    assert api["messages"][0]["attachments"][0]["name"] == "[PERSON_1] - passport.jpg"
    assert "Silva" not in json.dumps(api)
