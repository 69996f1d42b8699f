from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from chats.models import Chat, Message
from knowledgebase.models import ArticleStatus, Category
from knowledgebase.selectors.search import SearchFilters, kb_search
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.articles import article_create, article_update
from tests.knowledgebase.conftest import NOW

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture
def topic_chats(topic_chat: Callable[..., Chat]) -> dict[str, list[Chat]]:
    chats = {
        "refund": [topic_chat("refund"), topic_chat("refund", country="US", region="US-NY")],
        "shipping": [topic_chat("shipping"), topic_chat("shipping")],
        "password": [topic_chat("password")],
    }
    chats_analyse(now=NOW)
    return chats


def test_search_returns_chats_about_the_topic_first_with_snippets(
    topic_chats: dict[str, list[Chat]],
) -> None:
    page = kb_search(query="refund")

    assert page.count == 2
    assert {hit.id for hit in page.hits} == {chat.pk for chat in topic_chats["refund"]}
    assert all(hit.type == "chat" for hit in page.hits)
    assert all("<mark>" in hit.snippet for hit in page.hits)
    assert page.hits[0].score >= page.hits[1].score > 0


def test_search_stems_and_ranks_across_several_words(topic_chats: dict[str, list[Chat]]) -> None:
    page = kb_search(query="late parcels")

    ids = [hit.id for hit in page.hits]
    assert ids
    assert set(ids) <= {chat.pk for chat in topic_chats["shipping"]}


def test_snippet_escapes_html_and_shows_no_original_text(topic_chat: Callable[..., Chat]) -> None:
    chat = topic_chat("refund")
    Message.objects.filter(chat=chat).update(
        text_redacted="<script>x</script> refund for [PERSON_1] please"
    )
    chats_analyse(now=NOW)  # not re-analysed: same redacted_at
    Chat.objects.filter(pk=chat.pk).update(redacted_at=NOW)
    chats_analyse(now=NOW)

    hit = kb_search(query="refund").hits[0]

    assert "<script>" not in hit.snippet
    assert "blender" not in hit.snippet  # the original message said "blender"


def test_filters_narrow_results(topic_chats: dict[str, list[Chat]]) -> None:
    us_refund = topic_chats["refund"][1]

    assert [h.id for h in kb_search(query="refund", filters=SearchFilters(country="us")).hits] == [
        us_refund.pk
    ]
    assert kb_search(query="refund", filters=SearchFilters(category="shipping")).count == 0
    assert kb_search(query="refund", filters=SearchFilters(category="refunds")).count == 2
    assert kb_search(query="parcel", filters=SearchFilters(keyword="parcel")).count == 2
    later = SearchFilters(date_from=datetime(2025, 4, 1, tzinfo=UTC))
    assert kb_search(query="refund", filters=later).count == 0
    assert kb_search(query="refund", filters=SearchFilters(kind="article")).count == 0


def test_browse_by_filter_without_words(topic_chats: dict[str, list[Chat]]) -> None:
    page = kb_search(query="", filters=SearchFilters(category="account-access"))

    assert [hit.id for hit in page.hits] == [topic_chats["password"][0].pk]
    assert kb_search(query="   ").count == 0


def test_only_published_articles_are_found(
    topic_chats: dict[str, list[Chat]], support_user: User
) -> None:
    category = Category.objects.get(slug="refunds")
    article = article_create(
        question="How long does a refund take?",
        solution="Refunds reach the card within 5 business days.",
        user=support_user,
        category=category,
        keywords=["refund"],
    )
    assert kb_search(query="refund", filters=SearchFilters(kind="article")).count == 0

    article_update(
        article=article,
        user=support_user,
        question=article.question,
        solution=article.solution,
        category=category,
        keywords=["refund"],
        status=ArticleStatus.PUBLISHED,
    )
    page = kb_search(query="refund")

    assert page.hits[0].type == "article"  # a vetted answer outranks chats
    assert page.hits[0].id == article.pk
    assert page.count == 3


def test_disposed_chat_is_no_longer_found(topic_chats: dict[str, list[Chat]]) -> None:
    disposed = topic_chats["refund"][0]
    Message.objects.filter(chat=disposed).delete()

    chats_analyse(now=NOW)

    assert [hit.id for hit in kb_search(query="refund").hits] == [topic_chats["refund"][1].pk]


def test_query_syntax_is_never_interpreted(topic_chats: dict[str, list[Chat]]) -> None:
    for query in ('refund" OR "x', "title:refund", "refund*", "NEAR(refund", "'; drop table --"):
        kb_search(query=query)  # no error


def test_search_query_count_is_constant(
    topic_chats: dict[str, list[Chat]], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # Hybrid search: full-text candidates, the vectors' freshness check, the filters applied to
    # the concept neighbours, the page's documents and its snippets — whatever the data size.
    with django_assert_max_num_queries(5):
        kb_search(query="refund", filters=SearchFilters(category="refunds", country="CA"))


def test_record_class_filter(topic_chats: dict[str, list[Chat]]) -> None:
    from records.models import Record, RecordClass

    complaint = RecordClass.objects.create(code="CS-CHAT-COMPLAINT", title="Complaint")
    Record.objects.create(chat=topic_chats["refund"][1], record_class=complaint, declared_at=NOW)

    page = kb_search(query="refund", filters=SearchFilters(record_class="CS-CHAT-COMPLAINT"))

    assert [hit.id for hit in page.hits] == [topic_chats["refund"][1].pk]
