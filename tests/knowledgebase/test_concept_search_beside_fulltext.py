"""Concept search runs beside the full-text query (the query is encoded and the partitions are
scored on a worker thread while the request waits for the database): what it answers must be
what a search done in one go answers, from the vectors it started with."""

from datetime import timedelta

import numpy as np
import pytest

from chats.models import Chat
from core.embeddings import text_embed
from knowledgebase.models import DocumentVector, SearchDocument
from knowledgebase.selectors import semantic
from knowledgebase.selectors.search import kb_search
from knowledgebase.selectors.semantic import ConceptSearch
from tests.knowledgebase.test_concept_search import conversations  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_a_search_started_before_a_reload_answers_from_the_vectors_it_started_with(
    conversations: dict[str, list[Chat]],  # noqa: F811
) -> None:
    shipping = [chat.pk for chat in conversations["shipping"]]
    shipping_documents = set(
        SearchDocument.objects.filter(chat_id__in=shipping).values_list("pk", flat=True)
    )
    started = ConceptSearch(query="delivery is late", limit=10, min_similarity=0.0)
    # Meanwhile another request reloads the index without the shipping vectors.
    DocumentVector.objects.filter(document_id__in=shipping_documents).delete()
    loaded = DocumentVector.objects.order_by("embedded_at").first()
    assert loaded is not None
    DocumentVector.objects.update(embedded_at=loaded.embedded_at - timedelta(days=30))
    kb_search(query="delivery is late")
    assert not shipping_documents & set(semantic._index.ids.tolist())

    neighbours = started.neighbours(also=sorted(shipping_documents))

    assert shipping_documents <= set(neighbours)
    best = max(neighbours, key=lambda pk: neighbours[pk].similarity)
    assert best in shipping_documents


def test_the_similarities_are_those_of_an_exact_search_over_the_same_vectors(
    conversations: dict[str, list[Chat]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(semantic, "FEEDBACK_DOCUMENTS", 0)  # the bare query's own vector
    query = "bill is too high"
    neighbours = ConceptSearch(query=query, limit=100, min_similarity=-1.0).neighbours()
    index = semantic._index
    exact = dict(zip(index.ids.tolist(), (index.matrix @ text_embed(query)).tolist(), strict=True))

    assert set(neighbours) == set(exact)
    for pk, neighbour in neighbours.items():
        assert np.isclose(neighbour.similarity, exact[pk], atol=1e-5)


def test_a_search_with_no_vectors_yet_has_no_neighbours_and_starts_no_work(db: None) -> None:
    semantic.semantic_index_reset()

    started = ConceptSearch(query="anything", limit=10, min_similarity=0.0)

    assert started._pending is None
    assert started.neighbours(also=[1, 2, 3]) == {}


def test_feedback_moves_the_query_towards_its_nearest_documents_and_keeps_it_unit_length(
    conversations: dict[str, list[Chat]],  # noqa: F811
) -> None:
    snapshot = semantic._snapshot()
    vector = text_embed("bill is too high")
    rows, similarities = semantic._scored(snapshot, vector)
    nearest = rows[np.argsort(-similarities)[: semantic.FEEDBACK_DOCUMENTS]]
    centroid = snapshot.matrix[nearest].mean(axis=0)

    moved = semantic._expanded(snapshot, vector, rows, similarities)

    assert np.isclose(np.linalg.norm(moved), 1.0, atol=1e-5)
    assert float(moved @ centroid) > float(vector @ centroid)
    # With nothing to learn from, the query stays as it was.
    empty = np.zeros(0, dtype=np.int64)
    assert semantic._expanded(snapshot, vector, empty, np.zeros(0, dtype=np.float32)) is vector


def test_the_search_uses_the_moved_query_for_the_lexical_documents_too(
    conversations: dict[str, list[Chat]],  # noqa: F811
) -> None:
    # Full-text hits get their similarity from the same (moved) query as the neighbours, so
    # both sides of the hybrid score are on one scale.
    query = "bill is too high"
    all_documents = sorted(SearchDocument.objects.values_list("pk", flat=True))
    started = ConceptSearch(query=query, limit=1, min_similarity=-1.0)
    vector, _ = started._pending.result() if started._pending else (None, {})
    assert vector is not None

    neighbours = started.neighbours(also=all_documents)

    index = semantic._index
    exact = dict(zip(index.ids.tolist(), (index.matrix @ vector).tolist(), strict=True))
    for pk in all_documents:
        assert np.isclose(neighbours[pk].similarity, exact[pk], atol=1e-5)
