"""The list endpoints read only the columns their serializers show (core.serializers.
serializer_reads): a page fetched with those columns renders without one more query, and
renders exactly what the same page with every column renders; a method field that does not
say what it reads is refused, never guessed."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from chats.api import ChatSerializer
from chats.models import Chat
from chats.selectors import chat_extras
from core.jobs import job_run
from core.serializers import FastRepresentationMixin, serializer_reads
from records.file_plan import file_plan_seed
from records.selectors import records_list
from retention.api.records import RecordSerializer
from retention.selectors import record_active_holds
from tests.factories import make_chat

pytestmark = pytest.mark.django_db
FAR_FUTURE = datetime(2060, 1, 1, tzinfo=UTC)


def _data() -> None:
    file_plan_seed()
    make_chat(external_id="full", tags=["vip"])
    make_chat(external_id="no-customer", customer=None, region="", country="")
    make_chat(external_id="open", ended_at=None)
    job_run(name="declare_records", now=FAR_FUTURE)


def _rendered_without_queries(serializer: Any, rows: list[Any]) -> list[dict[str, Any]]:
    with CaptureQueriesContext(connection) as queries:
        data = [dict(row) for row in serializer.data]
    assert [q["sql"] for q in queries.captured_queries] == []  # no deferred column read
    return data


@pytest.mark.parametrize("show_identity", [True, False])
def test_a_chat_page_of_the_shown_columns_renders_without_a_query_and_as_the_full_page(
    show_identity: bool,
) -> None:
    _data()
    full = list(Chat.objects.order_by("pk"))
    narrow = list(Chat.objects.order_by("pk").only(*serializer_reads(ChatSerializer)))
    assert narrow[0].get_deferred_fields()  # the hashes, the redaction version… are not read
    context = {"extras": chat_extras([c.pk for c in full]), "show_identity": show_identity}
    shown = _rendered_without_queries(ChatSerializer(narrow, many=True, context=context), narrow)
    assert shown == [dict(row) for row in ChatSerializer(full, many=True, context=context).data]


def test_a_record_page_of_the_shown_columns_renders_without_a_query_and_as_the_full_page() -> None:
    _data()
    full = list(records_list())
    assert len(full) >= 2
    narrow = list(records_list().only(*serializer_reads(RecordSerializer)))
    assert "declared_at" in narrow[0].get_deferred_fields()
    context = {"holds": record_active_holds([r.pk for r in full])}
    shown = _rendered_without_queries(RecordSerializer(narrow, many=True, context=context), narrow)
    assert shown == [dict(row) for row in RecordSerializer(full, many=True, context=context).data]


def test_a_method_field_without_its_reads_declared_is_refused() -> None:
    class Careless(FastRepresentationMixin, serializers.ModelSerializer):
        shown = serializers.SerializerMethodField()

        class Meta:
            model = Chat
            fields = ["id", "shown"]
            method_reads: dict[str, tuple[str, ...]] = {}

        def get_shown(self, chat: Chat) -> str:
            return chat.content_sha256

    with pytest.raises(ImproperlyConfigured, match="shown"):
        serializer_reads(Careless)


def test_the_reads_are_the_declared_sources_and_the_methods_declarations() -> None:
    reads = serializer_reads(RecordSerializer)
    assert {"chat__external_id", "record_class__vital", "schedule__action"} <= set(reads)
    assert "declared_at" not in reads
    assert "transcript_sha256" not in reads
    assert set(serializer_reads(ChatSerializer)) >= {"tags", "tags_redacted", "redacted_at"}
    assert "content_sha256" not in serializer_reads(ChatSerializer)
