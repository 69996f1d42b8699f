"""Cluster pruning of the concept-search matrix (issue #17 item 6): what it returns is what
exact search returns, nearly always, while it reads a small share of the matrix."""

import numpy as np

from knowledgebase.selectors import semantic_partitions
from knowledgebase.selectors.semantic_partitions import partitions_build, partitions_search


def _topics(count: int, topics: int = 60, seed: int = 3) -> np.ndarray:
    generator = np.random.default_rng(seed)
    centres = generator.normal(size=(topics, 512))
    rows = centres[generator.integers(0, topics, count)] + generator.normal(0, 0.6, (count, 512))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_small_matrices_are_searched_whole():
    assert partitions_build(_topics(semantic_partitions.MIN_VECTORS - 1)) is None


def test_pruned_search_finds_the_exact_neighbours_reading_a_fraction():
    # Queries about the same topics as the documents, as a support agent's are.
    everything = _topics(30_040)
    matrix, queries = everything[:30_000], everything[30_000:]
    built = partitions_build(matrix)
    assert built is not None
    partitions, order = built
    assert sorted(order.tolist()) == list(range(len(matrix)))  # a permutation: nothing lost
    stored = matrix[order]
    found = 0
    for query in queries:
        exact = set(np.argsort(-(stored @ query))[:50].tolist())
        rows, similarities = partitions_search(partitions, stored, query)
        assert len(rows) < 0.2 * len(stored)
        np.testing.assert_allclose(similarities, stored[rows] @ query, atol=1e-5)
        found += len(exact & set(rows[np.argsort(-similarities)[:50]].tolist()))
    assert found / (50 * len(queries)) >= 0.95


def test_rows_added_after_the_build_are_always_searched():
    matrix = _topics(25_000)
    built = partitions_build(matrix)
    assert built is not None
    partitions, order = built
    stored = np.vstack([matrix[order], _topics(3, seed=11)])
    rows, _ = partitions_search(partitions, stored, stored[-1])
    assert {len(stored) - 3, len(stored) - 2, len(stored) - 1} <= set(rows.tolist())


def test_rows_of_lexical_hits_are_found_by_id_and_tombstones_never_match() -> None:
    from knowledgebase.selectors.semantic import _Index, _index_by_id, _rows_of

    # Row 1 is the tombstone of document 7, re-embedded since as row 4.
    index = _Index(ids=np.array([30, -1, 5, 12, 7], dtype=np.int64))
    _index_by_id(index)

    rows = _rows_of(index, [7, 12, 999, -1, 5, 1])

    assert sorted(rows.tolist()) == [2, 3, 4]
    assert _rows_of(index, []).tolist() == []
    assert _rows_of(_Index(), [5]).tolist() == []
