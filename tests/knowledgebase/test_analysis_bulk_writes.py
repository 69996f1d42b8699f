"""Issue #19: the extract_keywords job writes each chunk in a fixed number of statements, and
writes exactly the rows the per-chat code wrote.

`_reference_write` below is the per-chat `_write` of knowledgebase/services/analysis.py as it was
before the chunk writes became set-based (with the singular helpers it called, as they were), kept
here as the reference: the job is run over a varied history once with it and once with the real
code, and every row each run leaves behind is compared.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chats.models import Chat, Message, Survey
from chats.samples import sample_chats
from core.db import is_postgresql
from knowledgebase.models import (
    Category,
    ChatCategory,
    ChatInsight,
    ChatKeyword,
    DocumentVector,
    KeywordSource,
    MessageSentiment,
    SearchDocument,
)
from knowledgebase.models_topics import ChatTopic, Topic
from knowledgebase.services import analysis
from knowledgebase.services.analysis import AnalysisSummary, chats_analyse
from knowledgebase.services.search_index import chat_document_fields
from knowledgebase.services.taxonomy import chat_weighted_keywords
from knowledgebase.services.topics import topics_learn
from knowledgebase.taxonomy import categories_for_keywords
from knowledgebase.topics import chat_topic_pick
from tests.factories import make_chat
from tests.knowledgebase.conftest import NOW, TOPIC_TEXTS, messages_for, redact

pytestmark = pytest.mark.usefixtures("taxonomy")
LATER = NOW + timedelta(hours=3)


# --- the per-chat reference (the code before issue #19), kept verbatim ------------------------


def _reference_categories_replace(
    *, chat_id: int, keywords: list[tuple[str, float]], taxonomy: dict[str, str]
) -> list[str]:
    matches = categories_for_keywords(keywords, taxonomy)
    ids = dict(
        Category.objects.filter(slug__in=[m.slug for m in matches]).values_list("slug", "pk")
    )
    ChatCategory.objects.filter(chat_id=chat_id).delete()
    ChatCategory.objects.bulk_create(
        [
            ChatCategory(chat_id=chat_id, category_id=ids[m.slug], via_term=m.via_term)
            for m in matches
            if m.slug in ids
        ]
    )
    return [m.slug for m in matches if m.slug in ids]


def _reference_topic_place(
    *, chat_id: int, keywords: list[tuple[str, float]], term_topic: dict[str, int]
) -> None:
    pick = chat_topic_pick(keywords, term_topic)
    if pick is None:
        ChatTopic.objects.filter(chat_id=chat_id).delete()
        return
    ChatTopic.objects.update_or_create(
        chat_id=chat_id, defaults={"topic_id": pick[0], "score": pick[1]}
    )


def _reference_document_save(*, chat: Chat, fields: dict[str, object], now: datetime) -> None:
    SearchDocument.objects.update_or_create(chat=chat, defaults={**fields, "updated_at": now})


def _reference_write(
    item: Any,
    *,
    now: datetime,
    taxonomy: dict[str, str],
    version: str,
    term_topic: dict[str, int],
) -> None:
    chat = item.chat
    ChatKeyword.objects.filter(chat=chat, source=KeywordSource.AUTO).delete()
    ChatKeyword.objects.bulk_create(
        [
            ChatKeyword(
                chat=chat,
                term=keyword.term,
                weight=keyword.weight,
                rank=rank,
                source=KeywordSource.AUTO,
                added_at=now,
            )
            for rank, keyword in enumerate(item.keywords, start=1)
        ]
    )
    weighted = chat_weighted_keywords([chat.pk])[chat.pk]
    categories = _reference_categories_replace(
        chat_id=chat.pk, keywords=weighted, taxonomy=taxonomy
    )
    _reference_topic_place(chat_id=chat.pk, keywords=weighted, term_topic=term_topic)
    MessageSentiment.objects.filter(chat=chat).delete()
    MessageSentiment.objects.bulk_create(item.sentiments)
    ChatInsight.objects.update_or_create(
        chat=chat,
        defaults={
            **item.insight,
            "analysed_at": now,
            "updated_at": now,
            "taxonomy_version": version,
        },
    )
    survey = item.survey
    _reference_document_save(
        chat=chat,
        fields=chat_document_fields(
            chat=chat,
            messages=item.messages,
            comment_redacted=survey.comment_redacted if survey else None,
            keywords=[term for term, _ in weighted],
            categories=categories,
        ),
        now=now,
    )


def _reference_write_chunk(items: list[Any], **context: Any) -> None:
    for item in items:
        _reference_write(item, **context)


# --- a varied history, and every row it leaves ---------------------------------------------


def _redact_all() -> None:
    pending = Chat.objects.filter(redacted_at__isnull=True)
    Message.objects.filter(chat__in=pending).update(text_redacted=F("text"))
    Survey.objects.filter(chat__in=pending).update(comment_redacted=F("comment"))
    pending.update(redacted_at=NOW, redaction_version="test-1")


def _import(prefix: str, count: int, seed: int) -> list[Chat]:
    chats = []
    for data in sample_chats(count, seed=seed, messages_per_chat=6, source="bulk"):
        data["external_id"] = f"{prefix}-{data['external_id']}"
        chats.append(make_chat(**data))
    return chats


def _history(support_user: User, *, changed_meanwhile: str) -> list[AnalysisSummary]:
    """Samples (English and French, with and without surveys, bot-only, abandoned), topic
    chats, a chat with an internal note, a chat with no text; analysed, topics learned, a tag
    added, vectors embedded, some chats re-redacted (one of them again while its chunk is
    analysed), new chats imported, analysed again."""
    started = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    _import("s", 24, seed=7)
    for number, topic in enumerate(["refund", "shipping", "password"] * 4):
        customer, agent = TOPIC_TEXTS[topic]
        make_chat(
            external_id=f"topic-{number}",
            started_at=started + timedelta(hours=number),
            messages=messages_for(started, customer, agent, "Thanks, that helps."),
            survey=None if number % 3 else {"rating": 2, "resolved": False, "comment": "slow"},
            tags=[],
        )
    noted = messages_for(started, *TOPIC_TEXTS["refund"], "Thanks.")
    noted.append(
        {
            "sender": "agent",
            "agent_external_id": "a-7",
            "sent_at": (started + timedelta(minutes=9)).isoformat(),
            "text": "Internal: customer Zebediah wants a voucher, escalate to the warehouse.",
            "visibility": "internal",
        }
    )
    make_chat(external_id="noted", messages=noted, tags=[])
    make_chat(
        external_id="french",
        language="fr",
        messages=messages_for(
            started,
            "Bonjour, j'ai oublié mon mot de passe et la connexion ne marche plus.",
            "J'ai réinitialisé votre mot de passe, vous pouvez vous connecter.",
            "Merci beaucoup!",
        ),
    )
    make_chat(
        external_id="silent",
        messages=[{"sender": "system", "sent_at": started.isoformat(), "text": "Chat opened"}],
        survey=None,
    )
    _redact_all()
    summaries = [chats_analyse(now=NOW, chunk_size=7)]

    topics_learn(now=NOW)
    from knowledgebase.services.tags import chat_tag_add

    chat_tag_add(
        chat=Chat.objects.get(external_id="topic-0"), tag="Warranty claim", user=support_user
    )
    for document in SearchDocument.objects.filter(
        chat__external_id__in=["topic-0", "topic-1", "french"]
    ):
        DocumentVector.objects.create(
            document=document,
            vector=b"\x00" * 8,
            model="test",
            text_sha256="0" * 64,
            quality=1.0,
            source_updated_at=document.updated_at,
            embedded_at=NOW,
        )
    again = Chat.objects.filter(external_id__in=["topic-0", "topic-1", "french", "s-bulk-0000003"])
    Message.objects.filter(chat__external_id="topic-1", position=0).update(
        text_redacted="The kettle refund never arrived and the parcel is lost."
    )
    Survey.objects.filter(chat__external_id="topic-0").update(comment_redacted="very slow")
    again.update(redacted_at=LATER)
    for chat in _import("n", 10, seed=8):
        redact(chat, at=LATER)
    make_chat(
        external_id="late-refund", messages=messages_for(started, *TOPIC_TEXTS["refund"], "Ok.")
    )
    redact(Chat.objects.get(external_id="late-refund"), at=LATER)

    real = analysis._chunk_sentiments

    def redacted_again_meanwhile(items: list[Any]) -> Any:
        # The redaction job runs again on one chat while its chunk's NLP runs.
        Chat.objects.filter(external_id=changed_meanwhile).update(redacted_at=LATER + timedelta(1))
        return real(items)

    analysis._chunk_sentiments = redacted_again_meanwhile
    try:
        summaries.append(chats_analyse(now=LATER, chunk_size=7))
    finally:
        analysis._chunk_sentiments = real
    return summaries


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall(), key=repr)


def _search_index_rows(document_names: dict[int, str]) -> list[tuple[Any, ...]]:
    """What the database keeps beside the documents: the tsvector column and the narrow rank
    table (PostgreSQL), every indexed token of the FTS5 table (SQLite)."""
    if is_postgresql():
        vectors = _rows("SELECT id, search_vector::text FROM knowledgebase_searchdocument")
        ranks = _rows(
            "SELECT document_id, kind, country, occurred_at, search_vector::text"
            " FROM knowledgebase_searchrank"
        )
        return sorted(
            [("vector", document_names[i], v) for i, v in vectors]
            + [("rank", document_names[i], *rest) for i, *rest in ranks],
            key=repr,
        )
    with connection.cursor() as cursor:
        # Raises if the index and the document rows disagree.
        cursor.execute(
            "INSERT INTO knowledgebase_searchfts(knowledgebase_searchfts)"
            " VALUES ('integrity-check')"
        )
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.searchfts_vocab"
            " USING fts5vocab(main, knowledgebase_searchfts, 'instance')"
        )
    tokens = _rows("SELECT term, doc, col, offset FROM temp.searchfts_vocab")
    return sorted(
        [(term, document_names[doc], col, offset) for term, doc, col, offset in tokens], key=repr
    )


def _everything_written() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the analysis's tables, named by chat external id / message position /
    category slug / topic terms rather than by surrogate keys (which differ between runs)."""
    chat = F("chat__external_id")
    documents = dict(SearchDocument.objects.values_list("pk", "chat__external_id"))
    insight_fields = [f.name for f in ChatInsight._meta.fields if f.name not in ("id", "chat")]
    document_fields = [f.name for f in SearchDocument._meta.fields if f.name not in ("id", "chat")]

    def listed(queryset: Any, *fields: Any) -> list[tuple[Any, ...]]:
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "keywords": listed(
            ChatKeyword.objects.all(), chat, "term", "weight", "rank", "source", "added_at"
        ),
        "categories": listed(ChatCategory.objects.all(), chat, "category__slug", "via_term"),
        "topics": listed(ChatTopic.objects.all(), chat, "topic__slug", "topic__terms", "score"),
        "sentiments": listed(
            MessageSentiment.objects.all(),
            chat,
            "message__position",
            "score",
            "model_name",
            "model_version",
            "language",
            "not_scored_reason",
        ),
        "insights": listed(ChatInsight.objects.all(), chat, *insight_fields),
        "documents": listed(SearchDocument.objects.all(), chat, *document_fields),
        "vectors": listed(
            DocumentVector.objects.all(), "document__chat__external_id", "source_updated_at"
        ),
        "index": _search_index_rows(documents),
    }


class _Discard(Exception):
    pass


@contextmanager
def _discarded() -> Iterator[None]:
    """Runs the block, then rolls back everything it wrote."""
    try:
        with transaction.atomic():
            yield
            raise _Discard
    except _Discard:
        pass


def test_set_based_chunk_writes_leave_every_row_the_per_chat_code_left(
    support_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Staff tag at a fixed moment, so both runs stamp the same time.
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(hours=1))
    with _discarded():
        with monkeypatch.context() as patch:
            patch.setattr(analysis, "_write_chunk", _reference_write_chunk)
            reference_summaries = _history(support_user, changed_meanwhile="s-bulk-0000003")
        reference = _everything_written()

    summaries = _history(support_user, changed_meanwhile="s-bulk-0000003")
    written = _everything_written()

    assert summaries == reference_summaries
    assert summaries[1].skipped_changed == 1
    assert {name: len(rows) for name, rows in written.items()} == {
        name: len(rows) for name, rows in reference.items()
    }
    for name, rows in reference.items():
        assert written[name] == rows, name
    # The history exercised what it is meant to: topics, French, tags, vectors, re-analysis.
    assert reference["topics"]
    assert any(row[3] == "fr-ridge-usem" for row in reference["sentiments"])
    assert ("topic-0", "warranty claim") in {row[:2] for row in reference["keywords"]}
    assert len(reference["vectors"]) == 3
    assert not any("zebediah" in repr(rows).lower() for rows in reference.values())


# --- the number of statements of a chunk -------------------------------------------------


def _chunk_statements(count: int, first: int) -> int:
    for number in range(count):
        topic = ["refund", "shipping", "password"][number % 3]
        chat = make_chat(
            external_id=f"q-{first + number}",
            messages=messages_for(NOW, *TOPIC_TEXTS[topic], "Thanks."),
            survey=None if number % 3 == 2 else {"rating": 4, "resolved": True, "comment": "ok"},
        )
        redact(chat)
    with CaptureQueriesContext(connection) as queries:
        summary = chats_analyse(now=NOW, chunk_size=count)
    assert summary.analysed == count
    assert summary.chunks == 1
    return len(queries)


def test_a_chunks_statements_do_not_grow_with_its_chats() -> None:
    _chunk_statements(12, first=200)
    topics_learn(now=NOW)  # so that the chats below are placed in topics
    assert Topic.objects.exists()
    few = _chunk_statements(3, first=0)
    many = _chunk_statements(9, first=100)

    assert many == few


def test_a_chat_failing_its_write_is_isolated_and_the_rest_of_its_chunk_commits(
    topic_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = [topic_chat(topic) for topic in ("refund", "shipping", "password", "refund")]
    bad = chats[2]
    real = analysis.keywords_extract

    def a_duplicate_keyword_for_bad(texts: Any, **kwargs: Any) -> Any:
        keywords = real(texts, **kwargs)
        if bad.pk in keywords:  # the unique (chat, term, source) refuses the chat's rows
            keywords[bad.pk] = [*keywords[bad.pk], keywords[bad.pk][0]]
        return keywords

    monkeypatch.setattr(analysis, "keywords_extract", a_duplicate_keyword_for_bad)

    summary = chats_analyse(now=NOW, chunk_size=4)

    assert summary.failed == [bad.pk]
    assert summary.analysed == 3
    good = [chat.pk for chat in chats if chat != bad]
    assert set(ChatInsight.objects.values_list("chat_id", flat=True)) == set(good)
    assert set(SearchDocument.objects.values_list("chat_id", flat=True)) == set(good)
    assert not ChatKeyword.objects.filter(chat=bad).exists()
    assert not MessageSentiment.objects.filter(chat=bad).exists()
    assert all(ChatKeyword.objects.filter(chat_id=pk).exists() for pk in good)

    monkeypatch.setattr(analysis, "keywords_extract", real)
    assert chats_analyse(now=NOW).analysed == 1
