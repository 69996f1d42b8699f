from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from chats.models import Chat, Message
from core.jobs import job_run
from knowledgebase.models import (
    ChatCategory,
    ChatInsight,
    ChatKeyword,
    KeywordSource,
    MessageSentiment,
    SearchDocument,
)
from knowledgebase.services import analysis
from knowledgebase.services.analysis import chats_analyse
from tests.knowledgebase.conftest import NOW, redact


class WorkerKilled(BaseException):
    """A killed worker, not a failing chat: a chat's failure is an Exception, isolated
    per chat (issue #12); a kill stops the job and rolls back its open chunk."""


pytestmark = pytest.mark.usefixtures("taxonomy")


def _state() -> list[tuple[object, ...]]:
    return [
        *ChatInsight.objects.order_by("chat_id").values_list(
            "chat_id", "sentiment", "satisfaction"
        ),
        *ChatKeyword.objects.order_by("chat_id", "term").values_list("chat_id", "term", "rank"),
        *ChatCategory.objects.order_by("chat_id", "category__slug").values_list(
            "chat_id", "category__slug"
        ),
        *SearchDocument.objects.order_by("pk").values_list("chat_id", "title", "body"),
    ]


def test_extract_keywords_job_analyses_redacted_chats(topic_chat: Callable[..., Chat]) -> None:
    chat = topic_chat("refund")

    result = job_run(name="extract_keywords", now=NOW)

    assert result.ok
    assert result.counts["analysed"] == 1
    terms = list(ChatKeyword.objects.filter(chat=chat).values_list("term", flat=True))
    assert "refund" in terms
    assert "blender" in terms
    assert set(ChatCategory.objects.filter(chat=chat).values_list("category__slug", flat=True)) >= {
        "refunds"
    }
    insight = ChatInsight.objects.get(chat=chat)
    assert insight.source_redacted_at == chat.redacted_at
    assert insight.first_response_seconds == 120
    assert MessageSentiment.objects.filter(chat=chat).count() == 3
    assert SearchDocument.objects.get(chat=chat).title.startswith(f"Chat {chat.external_id}: I ")


def test_unredacted_chat_is_not_indexable(topic_chat: Callable[..., Chat]) -> None:
    chat = topic_chat("refund", redacted=False)

    chats_analyse(now=NOW)

    assert not ChatInsight.objects.filter(chat=chat).exists()
    assert not SearchDocument.objects.filter(chat=chat).exists()
    assert not ChatKeyword.objects.filter(chat=chat).exists()


def test_reads_only_the_redacted_layer(topic_chat: Callable[..., Chat]) -> None:
    chat = topic_chat("refund", redacted=False)
    Message.objects.filter(chat=chat).update(
        text_redacted="My name is [PERSON_1] and the toaster refund is late."
    )
    Chat.objects.filter(pk=chat.pk).update(redacted_at=NOW)

    chats_analyse(now=NOW)

    terms = set(ChatKeyword.objects.filter(chat=chat).values_list("term", flat=True))
    assert "toaster" in terms
    assert "blender" not in terms  # only in the original text
    assert not any("person" in term for term in terms)
    body = SearchDocument.objects.get(chat=chat).body
    assert "blender" not in body
    assert "[PERSON_1]" in body


def test_analysis_is_idempotent(topic_chat: Callable[..., Chat]) -> None:
    topic_chat("refund")
    topic_chat("shipping")
    chats_analyse(now=NOW)
    before = _state()

    second = chats_analyse(now=NOW)

    assert second.analysed == 0
    assert _state() == before


def test_analysis_in_chunks_of_two(topic_chat: Callable[..., Chat]) -> None:
    chats = [
        topic_chat(topic) for topic in ("refund", "shipping", "password", "refund", "shipping")
    ]

    summary = chats_analyse(now=NOW, chunk_size=2)

    assert summary.analysed == 5
    assert summary.chunks == 3
    assert ChatInsight.objects.filter(chat__in=chats).count() == 5


def test_interrupted_analysis_leaves_no_half_chunk_and_rerun_finishes(
    topic_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = [topic_chat(topic) for topic in ("refund", "shipping", "password", "refund")]
    real_save = analysis.chat_documents_save
    calls = {"n": 0}

    def failing_save(**kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the documents of the second chunk, its last write
            raise WorkerKilled
        real_save(**kwargs)

    monkeypatch.setattr(analysis, "chat_documents_save", failing_save)
    with pytest.raises(WorkerKilled):
        chats_analyse(now=NOW, chunk_size=2)

    done = set(ChatInsight.objects.values_list("chat_id", flat=True))
    assert done == {chats[0].pk, chats[1].pk}
    assert not ChatKeyword.objects.filter(chat__in=chats[2:]).exists()
    assert not MessageSentiment.objects.filter(chat__in=chats[2:]).exists()
    monkeypatch.setattr(analysis, "chat_documents_save", real_save)

    rerun = chats_analyse(now=NOW, chunk_size=2)

    assert rerun.analysed == 2
    assert ChatInsight.objects.count() == SearchDocument.objects.count() == 4


def test_rerun_after_new_redaction_reanalyses_but_keeps_manual_tags(
    topic_chat: Callable[..., Chat], support_user: User
) -> None:
    from knowledgebase.services.tags import chat_tag_add

    chat = topic_chat("refund")
    chats_analyse(now=NOW)
    chat_tag_add(chat=chat, tag="Warranty claim", user=support_user)
    Message.objects.filter(chat=chat).update(text_redacted="The kettle refund never arrived.")
    redact_again = NOW
    Chat.objects.filter(pk=chat.pk).update(redacted_at=redact_again)

    summary = chats_analyse(now=NOW)

    assert summary.analysed == 1
    terms = set(ChatKeyword.objects.filter(chat=chat).values_list("term", "source"))
    assert ("kettle", KeywordSource.AUTO) in terms
    assert ("warranty claim", KeywordSource.MANUAL) in terms
    assert "|warranty claim|" in SearchDocument.objects.get(chat=chat).keywords


def test_disposed_chat_loses_search_document_but_keeps_aggregates(
    topic_chat: Callable[..., Chat],
) -> None:
    chat = topic_chat("refund")
    chats_analyse(now=NOW)
    insight_before = ChatInsight.objects.filter(chat=chat).values().get()

    Message.objects.filter(chat=chat).delete()  # what disposal does to the transcript
    summary = chats_analyse(now=NOW)

    assert summary.documents_purged == 1
    assert not SearchDocument.objects.filter(chat=chat).exists()
    assert ChatInsight.objects.filter(chat=chat).values().get() == insight_before
    assert ChatKeyword.objects.filter(chat=chat).exists()


def test_french_chat_keywords_use_french_words(db: None) -> None:
    from tests.factories import make_chat
    from tests.knowledgebase.conftest import messages_for

    chat = redact(
        make_chat(
            language="fr",
            messages=messages_for(
                NOW,
                "Bonjour, j'ai oublié mon mot de passe et la connexion ne marche plus.",
                "J'ai réinitialisé votre mot de passe, vous pouvez vous connecter.",
                "Merci beaucoup!",
            ),
        )
    )

    chats_analyse(now=NOW)

    terms = set(ChatKeyword.objects.filter(chat=chat).values_list("term", flat=True))
    assert "mot de passe" in terms
    assert ChatCategory.objects.filter(chat=chat, category__slug="account-access").exists()
    insight = ChatInsight.objects.get(chat=chat)
    assert insight.messages_scored == 3
    assert insight.sentiment is not None
    models = set(MessageSentiment.objects.filter(chat=chat).values_list("model_name", flat=True))
    assert models == {"fr-ridge-usem"}
    assert insight.satisfaction is not None
