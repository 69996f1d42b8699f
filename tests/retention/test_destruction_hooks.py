"""What other apps keep of a chat follows its destruction: the search copy goes, webhooks
announce the declaration and the disposal."""

import json

import pytest
from django.db.models import F

from chats.models import Chat, Message
from knowledgebase.models import SearchDocument
from knowledgebase.services.analysis import chats_analyse
from outbox.models import WebhookDelivery, WebhookSubscription
from records.models import Record
from records.services import records_declare
from retention.services.destruction import records_destroy

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _redact_all() -> None:
    Message.objects.update(text_redacted=F("text"))
    Chat.objects.update(redacted_at=NOW, redaction_version="test")


def test_destroying_a_record_drops_its_search_copy(due_records):
    records = due_records(2)
    _redact_all()
    chats_analyse(now=NOW)
    assert SearchDocument.objects.filter(chat_id__in=[r.chat_id for r in records]).count() == 2

    records_destroy(record_ids=[records[0].pk], now=NOW, reason="test")

    assert not SearchDocument.objects.filter(chat_id=records[0].chat_id).exists()
    assert SearchDocument.objects.filter(chat_id=records[1].chat_id).exists()  # untouched


def test_declaration_and_disposal_are_announced_to_subscribers(file_plan):
    from tests.factories import make_chat

    WebhookSubscription.objects.create(
        name="crm",
        url="http://127.0.0.1:9/hook",
        secret="s" * 32,
        events=["record.declared", "record.disposed"],
    )
    chat = make_chat(started_at="2018-01-05T10:00:00+00:00", country="US", region="")
    records_declare(now=NOW)
    record = Record.objects.get(chat=chat)

    records_destroy(record_ids=[record.pk], now=NOW, reason="test")

    bodies = {d.event: json.loads(d.body) for d in WebhookDelivery.objects.all()}
    assert set(bodies) == {"record.declared", "record.disposed"}
    assert bodies["record.declared"]["data"]["record"] == record.pk
    assert bodies["record.declared"]["data"]["chat_external_id"] == chat.external_id
    assert bodies["record.disposed"]["data"]["record"] == record.pk
    assert "Ana Silva" not in json.dumps(bodies)
