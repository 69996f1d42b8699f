"""The full-text index follows every write to the search documents, on both databases."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from knowledgebase.models import DocumentKind, SearchDocument
from knowledgebase.selectors.search import kb_search
from tests.factories import make_chat

pytestmark = pytest.mark.django_db


def _index_rows() -> int:
    table = (
        "knowledgebase_searchrank"
        if connection.vendor == "postgresql"
        else "knowledgebase_searchfts"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def _document(chat, body: str) -> SearchDocument:
    return SearchDocument.objects.create(
        kind=DocumentKind.CHAT,
        chat=chat,
        chat_external_id=chat.external_id,
        title="t",
        body=body,
        language="en",
        country="CA",
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
        categories="",
        keywords="",
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_insert_update_and_delete_keep_the_index_in_step():
    document = _document(make_chat(), "my parcel never arrived")
    assert _index_rows() == 1
    assert kb_search(query="parcel").count == 1

    document.body = "the router keeps rebooting"
    document.save()
    assert kb_search(query="parcel").count == 0
    assert kb_search(query="router").count == 1

    document.delete()
    assert _index_rows() == 0
    assert kb_search(query="router").count == 0


def test_country_filter_applies_to_the_ranked_rows():
    _document(make_chat(), "refund for the broken kettle")
    us = _document(make_chat(), "refund for the broken toaster")
    SearchDocument.objects.filter(pk=us.pk).update(country="US")
    from knowledgebase.selectors.search import SearchFilters

    assert kb_search(query="refund", filters=SearchFilters(country="US")).count == 1
    assert kb_search(query="refund").count == 2
