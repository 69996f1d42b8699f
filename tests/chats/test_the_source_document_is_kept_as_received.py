"""SPEC §3: the document as received is kept with the chat — the native line byte for byte, the
vendor's own document for --format imports, a webhook's body for inbound events — including
what the interchange does not map; a later copy keeps its own document."""

import zlib

import pytest

from chats.importers import ImportUnit
from chats.interchange import chat_payload_from_dict
from chats.models import ChatSourceDocument
from chats.services.import_batch import chat_import_outcome
from chats.services.import_stream import chats_import_lines, chats_import_units
from tests.factories import chat_dict

pytestmark = pytest.mark.django_db


def _documents(chat_id=None):
    rows = ChatSourceDocument.objects.order_by("pk")
    if chat_id is not None:
        rows = rows.filter(chat_id=chat_id)
    return [(row.format, zlib.decompress(bytes(row.document))) for row in rows]


def _reject(*args):
    raise AssertionError(args)


def test_a_native_line_is_kept_byte_for_byte_with_its_unmapped_keys():
    line = (
        b'{"external_id": "n-1", "source": "acme", "started_at": "2025-03-01T14:02:11Z",'
        b' "messages": [], "x_unmapped": "caf\xc3\xa9"}'
    )
    summary = chats_import_lines(lines=[line + b"\n"], on_reject=_reject)

    assert summary.imported == 1
    assert _documents() == [("native", line)]


def test_a_vendor_unit_keeps_the_vendors_document_not_the_converted_one():
    raw = b'{"conversation": {"id": 9, "custom_attributes": {"plan": "gold"}}}'
    chats_import_units(
        units=[ImportUnit(1, raw, chat_dict(external_id="v-9"))],
        on_reject=_reject,
        source_format="acme",
    )

    assert _documents() == [("acme", raw)]


def test_a_webhook_body_is_kept_and_a_later_copy_keeps_its_own():
    data = chat_dict(external_id="w-1", ended_at=None)
    chat, first = chat_import_outcome(
        payload=chat_payload_from_dict(data),
        source_document={"event": "conversation_created", "id": 1},
        source_format="acme-webhook",
    )
    data["ended_at"] = "2025-03-01T15:00:00+00:00"
    _, second = chat_import_outcome(
        payload=chat_payload_from_dict(data),
        source_document=b'{"event": "conversation_resolved", "id": 1}',
        source_format="acme-webhook",
    )

    assert (first, second) == ("created", "updated")
    assert _documents(chat.pk) == [
        ("acme-webhook", b'{"event":"conversation_created","id":1}'),
        ("acme-webhook", b'{"event": "conversation_resolved", "id": 1}'),
    ]
