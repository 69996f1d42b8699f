"""Concept search (issue #17): plain-language queries find chats that share no word with them,
useful answers rank first, and the vectors follow the documents (a destroyed chat leaves none)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from chats.models import Chat, Message
from core import embeddings
from core.embeddings import EmbeddingModelMissing
from knowledgebase.models import DocumentVector, SearchDocument
from knowledgebase.selectors.search import answer_passage, kb_search
from knowledgebase.selectors.semantic import semantic_index_reset
from knowledgebase.services import embeddings as embedding_service
from knowledgebase.services.analysis import chats_analyse
from knowledgebase.services.embeddings import search_documents_embed
from knowledgebase.services.search_index import chat_search_documents_drop_destroyed
from tests.factories import make_chat
from tests.knowledgebase.conftest import NOW, redact

pytestmark = pytest.mark.usefixtures("taxonomy")
STARTED = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)

# Each topic's chats avoid the words of the query that should find them.
CONVERSATIONS: dict[str, list[tuple[str, str]]] = {
    "shipping": [
        (
            "My parcel still hasn't arrived and the tracking page shows nothing new.",
            "The carrier has your box at their depot; it goes out on the truck tomorrow.",
        ),
        (
            "The package I ordered ten days ago is nowhere to be seen.",
            "I can see it was held by the courier; I have asked them to bring it Friday.",
        ),
    ],
    "billing": [
        (
            "This month's invoice is way more than usual, I was overcharged.",
            "You were billed twice for the premium plan; I have removed the extra amount.",
        ),
    ],
    "password": [
        (
            "I cannot sign in, it keeps saying my credentials are wrong.",
            "I have unlocked your account and sent you a reset link by email.",
        ),
    ],
}


def _chat(
    customer: str, agent: str | None, *, closing: str = "Great, thanks.", **extra: Any
) -> Chat:
    messages = [{"sender": "customer", "sent_at": STARTED.isoformat(), "text": customer}]
    if agent is not None:
        messages.append(
            {
                "sender": "agent",
                "agent_external_id": "a-7",
                "sent_at": (STARTED + timedelta(minutes=2)).isoformat(),
                "text": agent,
            }
        )
        messages.append(
            {
                "sender": "customer",
                "sent_at": (STARTED + timedelta(minutes=3)).isoformat(),
                "text": closing,
            }
        )
    return redact(make_chat(started_at=STARTED, messages=messages, tags=[], **extra))


@pytest.fixture
def conversations(db: None) -> dict[str, list[Chat]]:
    semantic_index_reset()
    chats = {
        topic: [_chat(customer, agent) for customer, agent in pairs]
        for topic, pairs in CONVERSATIONS.items()
    }
    chats_analyse(now=NOW)
    search_documents_embed(now=NOW)
    return chats


def test_a_query_with_no_shared_word_finds_the_chats_about_it(
    conversations: dict[str, list[Chat]],
) -> None:
    hits = kb_search(query="delivery is late").hits

    assert {hit.id for hit in hits[:2]} == {chat.pk for chat in conversations["shipping"]}


def test_a_plain_language_billing_question_finds_the_billing_chat(
    conversations: dict[str, list[Chat]],
) -> None:
    hits = kb_search(query="bill is too high").hits

    assert hits
    assert hits[0].id == conversations["billing"][0].pk


def test_unrelated_chats_are_not_returned_for_a_concept_query(
    conversations: dict[str, list[Chat]],
) -> None:
    hits = kb_search(query="delivery is late").hits

    assert conversations["password"][0].pk not in {hit.id for hit in hits}


def test_an_answered_satisfied_chat_ranks_above_an_abandoned_one(db: None) -> None:
    semantic_index_reset()
    abandoned = _chat("Hello? My parcel never arrived, is anyone there?", None, survey=None)
    answered = _chat(
        "My parcel never arrived, where is it?",
        "The courier lost it; I have sent a new one by express, it arrives tomorrow.",
    )
    chats_analyse(now=NOW)
    search_documents_embed(now=NOW)

    ids = [hit.id for hit in kb_search(query="parcel never arrived").hits]

    assert ids.index(answered.pk) < ids.index(abandoned.pk)


def test_a_destroyed_chat_leaves_no_vector_and_is_never_a_hit(
    conversations: dict[str, list[Chat]],
) -> None:
    destroyed = conversations["shipping"][0]
    kb_search(query="delivery is late")  # the process now holds its vector in memory
    Message.objects.filter(chat=destroyed).delete()

    chat_search_documents_drop_destroyed([destroyed.pk])

    assert not DocumentVector.objects.filter(document__chat=destroyed).exists()
    assert destroyed.pk not in {hit.id for hit in kb_search(query="delivery is late").hits}


def test_snippet_of_a_concept_match_is_the_request_and_answer_not_the_greeting() -> None:
    body = "\n".join(
        [
            "Agent: Hello and welcome, how can I help you today?",
            "Customer: Hi there",
            "Customer: The package I ordered is nowhere to be seen.",
            "Agent: Thanks for waiting!",
            "Agent: The courier holds it at the depot; it comes on Friday.",
        ]
    )

    passage = answer_passage(body)

    assert passage.startswith("The package I ordered")
    assert "courier holds it" in passage
    assert "welcome" not in passage
    assert "Hi there" not in passage


def test_embedding_is_idempotent(conversations: dict[str, list[Chat]]) -> None:
    before = dict(DocumentVector.objects.values_list("document_id", "embedded_at"))

    again = search_documents_embed(now=NOW + timedelta(days=1))

    assert again.embedded == 0
    assert dict(DocumentVector.objects.values_list("document_id", "embedded_at")) == before


def test_embedding_in_chunks_of_two_embeds_every_document(db: None) -> None:
    for customer, agent in CONVERSATIONS["shipping"] + CONVERSATIONS["billing"]:
        _chat(customer, agent)
    chats_analyse(now=NOW)

    summary = search_documents_embed(now=NOW, chunk_size=2)

    assert summary.embedded == SearchDocument.objects.count() == 3
    assert DocumentVector.objects.count() == 3


def test_interrupted_embedding_keeps_finished_chunks_and_a_rerun_finishes(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for customer, agent in CONVERSATIONS["shipping"] + CONVERSATIONS["billing"]:
        _chat(customer, agent)
    chats_analyse(now=NOW)
    real_embed = embedding_service.texts_embed
    calls = {"n": 0}

    def failing_second_chunk(texts: list[str]) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_embed(texts)

    monkeypatch.setattr(embedding_service, "texts_embed", failing_second_chunk)
    with pytest.raises(RuntimeError):
        search_documents_embed(now=NOW, chunk_size=2)
    assert DocumentVector.objects.count() == 2

    monkeypatch.setattr(embedding_service, "texts_embed", real_embed)
    search_documents_embed(now=NOW, chunk_size=2)

    assert DocumentVector.objects.count() == 3


def test_a_changed_text_is_embedded_again_but_a_label_change_is_not(
    conversations: dict[str, list[Chat]],
) -> None:
    chat = conversations["billing"][0]
    document = SearchDocument.objects.get(chat=chat)
    SearchDocument.objects.filter(pk=document.pk).update(
        keywords="|invoice|", updated_at=NOW + timedelta(hours=1)
    )
    assert search_documents_embed(now=NOW + timedelta(hours=1)).embedded == 0

    SearchDocument.objects.filter(pk=document.pk).update(
        body="Customer: The technician never came to fix my router.",
        title="Chat x",
        updated_at=NOW + timedelta(hours=2),
    )

    assert search_documents_embed(now=NOW + timedelta(hours=2)).embedded == 1


def test_a_missing_embedding_model_is_a_clear_error_naming_the_install_command(
    db: None,
) -> None:
    with (
        override_settings(EMBEDDING_MODEL="no_such_encoder_package"),
        pytest.raises(EmbeddingModelMissing, match=r"requirements/embedding-model\.txt"),
    ):
        embeddings.text_embed("parcel")


def test_vectors_older_than_the_ones_in_memory_are_read_again_after_a_restore(
    conversations: dict[str, list[Chat]],
) -> None:
    # The process loaded the vectors; then the table goes back in time (a restore from backup):
    # the shipping chats' vectors are gone and the rest carry an older moment. A search must not
    # keep answering from what it had in memory.
    from knowledgebase.selectors import semantic

    assert kb_search(query="delivery is late").hits
    shipping = [chat.pk for chat in conversations["shipping"]]
    gone = set(SearchDocument.objects.filter(chat_id__in=shipping).values_list("pk", flat=True))
    assert gone & set(semantic._index.ids.tolist())
    loaded = DocumentVector.objects.order_by("embedded_at").first()
    assert loaded is not None
    earlier = loaded.embedded_at - timedelta(days=30)
    DocumentVector.objects.filter(document_id__in=gone).delete()
    DocumentVector.objects.update(embedded_at=earlier)

    kb_search(query="delivery is late")

    assert semantic._index.loaded_until == earlier
    assert not gone & set(semantic._index.ids.tolist())
