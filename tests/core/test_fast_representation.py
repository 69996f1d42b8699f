"""core/serializers.py renders exactly what DRF's own Serializer.to_representation renders:
the same keys, in the same order, with the same values — on rows with and without their
optional relations and values."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework import serializers

from audit.api import AuditEventSerializer
from audit.models import AuditEvent
from audit.services import audit_event_record
from chats.api import ChatDetailSerializer, ChatSerializer, MessageSerializer
from chats.models import Chat, Message
from chats.selectors import chat_extras, chat_with_transcript
from core.jobs import job_run
from records.file_plan import file_plan_seed
from records.models import Record
from records.selectors import records_list
from retention.api.disposal import DisposalBatchSerializer
from retention.api.records import RecordSerializer
from retention.review_selectors import disposal_batches_with_stage
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
FAR_FUTURE = datetime(2060, 1, 1, tzinfo=UTC)


def _drf(serializer: serializers.Serializer, instance: Any) -> dict[str, Any]:
    """DRF's own rendering of `instance` by `serializer` (the mixin bypassed)."""
    return dict(serializers.Serializer.to_representation(serializer, instance))


def _same(serializer: serializers.Serializer, instances: list[Any]) -> None:
    assert instances, "nothing to compare"
    for instance in instances:
        fast, drf = serializer.to_representation(instance), _drf(serializer, instance)
        assert list(fast) == list(drf)  # same keys, same order
        assert fast == drf


def _data() -> None:
    file_plan_seed()
    make_chat(external_id="full")
    make_chat(external_id="no-customer", customer=None, tags=["vip"], region="", country="")
    make_chat(external_id="open", ended_at=None)
    make_chat(external_id="survey", survey={"rating": 4, "resolved": True, "comment": "ok"})
    job_run(name="declare_records", now=FAR_FUTURE)
    job_run(name="build_disposal_batches", now=FAR_FUTURE)
    manager = User.objects.create_user("fast-manager")
    audit_event_record(actor=manager, action="test.with_actor", data={"n": 1})
    audit_event_record(actor=None, action="test.system")


@pytest.mark.parametrize("show_identity", [True, False])
def test_chats_list_and_detail_render_as_drf_does(show_identity: bool) -> None:
    _data()
    chats = list(chat_with_transcript(Chat.objects.order_by("pk")))
    context = {
        "extras": chat_extras([chat.pk for chat in chats]),
        "show_identity": show_identity,
        "show_customer_id": show_identity,
    }
    _same(ChatSerializer(context=context), chats)
    _same(ChatDetailSerializer(context=context), chats)
    messages = list(Message.objects.select_related("agent").order_by("pk"))
    assert any(m.agent_id is None for m in messages)
    assert any(m.agent_id is not None for m in messages)
    _same(MessageSerializer(context=context), messages)


def test_records_render_as_drf_does() -> None:
    _data()
    records = list(records_list().order_by("pk"))
    assert Record.objects.filter(schedule__isnull=True).exists() or records
    _same(RecordSerializer(context={"holds": {records[0].pk: [7]}}), records)


def test_audit_events_and_disposal_batches_render_as_drf_does() -> None:
    _data()
    events = list(AuditEvent.objects.order_by("pk"))
    assert any(e.actor_pk is None for e in events)
    assert any(e.actor_pk is not None for e in events)
    _same(AuditEventSerializer(), events)
    _same(DisposalBatchSerializer(), list(disposal_batches_with_stage()))


def test_a_page_plans_its_fields_once() -> None:
    _data()
    serializer: Any = ChatSerializer(
        list(Chat.objects.all()), many=True, context={"extras": {}, "show_identity": False}
    )
    rows = serializer.data
    assert len(rows) == Chat.objects.count()
    plan = serializer.child._plan
    assert plan is not None
    assert [name for name, _ in plan] == list(rows[0])
