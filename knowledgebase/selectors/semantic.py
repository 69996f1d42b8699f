"""Nearest neighbours of a query among the search documents' vectors (concept search).

Numpy: the vectors are L2-normalised, so cosine similarity is a matrix product. Below 20,000
vectors the whole matrix is searched (exact); above, by cluster pruning (semantic_partitions.py:
about 6 % of the matrix per query, the documents found lexically always scored exactly), since
at 83,000 documents the whole product cost more than the full-text query (docs/scaling.md).

Each process keeps the matrix in memory and refreshes it from the database when vectors were
written since it was loaded: every search reads one indexed `max(embedded_at)` (a constant
query, so a search costs the same number of queries whatever the data and the timing).
Vectors of documents deleted since (destroyed chats) may stay in memory until
the next full reload: they are harmless, because every hit is joined back to the live document
table before anything is shown, and a deleted document has no row there.
"""

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Max

from core.batching import chunks_read
from core.embeddings import embedding_model_name, text_embed
from knowledgebase.models import DocumentVector
from knowledgebase.selectors.semantic_partitions import (
    Partitions,
    partitions_build,
    partitions_search,
)
from knowledgebase.services.embeddings import vectors_from_bytes

FULL_RELOAD_SECONDS = 600.0
LOAD_CHUNK = 20_000


@dataclass
class _Index:
    model: str = ""
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    quality: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    loaded_until: datetime | None = None
    fully_loaded_at: float = 0.0
    # Cluster pruning of the rows loaded at the last full reload (None: search them all).
    partitions: Partitions | None = None
    # `ids` sorted, and the row of each: the rows of given documents by binary search
    # (np.isin over every id cost 1.3 ms per query at 100,000 vectors; this costs 10 µs).
    sorted_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sorted_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


_index = _Index()
_lock = threading.Lock()


def _rows_since(model: str, since: datetime | None) -> tuple[list[int], list[bytes], list[float]]:
    vectors = DocumentVector.objects.filter(model=model)
    if since is not None:
        vectors = vectors.filter(embedded_at__gt=since)
    ids: list[int] = []
    blobs: list[bytes] = []
    qualities: list[float] = []
    rows = vectors.values_list("document_id", "vector", "quality")
    chunks = chunks_read(
        claim=lambda after: list(
            rows.filter(document_id__gt=after[0] if after else 0).order_by("document_id")[
                :LOAD_CHUNK
            ]
        ),
        chunk_size=LOAD_CHUNK,
    )
    for chunk in chunks:
        for document_id, blob, quality in chunk:
            ids.append(document_id)
            blobs.append(bytes(blob))
            qualities.append(quality)
    return ids, blobs, qualities


def _refresh(index: _Index) -> None:
    model = embedding_model_name()
    newest = DocumentVector.objects.filter(model=model).aggregate(newest=Max("embedded_at"))[
        "newest"
    ]
    if newest is None:  # no vector yet (or none of this model): nothing to load
        index.ids = np.zeros(0, dtype=np.int64)
        index.matrix = np.zeros((0, 0), dtype=np.float32)
        index.quality = np.zeros(0, dtype=np.float32)
        index.model, index.loaded_until = model, None
        _index_by_id(index)
        return
    # A newest vector older than the one loaded means the table went back in time (a restore
    # from backup, a rolled-back transaction): what is in memory may name ids that now belong
    # to other documents, so everything is read again.
    went_back = index.loaded_until is not None and newest < index.loaded_until
    full = (
        model != index.model
        or went_back
        or time.monotonic() - index.fully_loaded_at > FULL_RELOAD_SECONDS
    )
    if not full and newest == index.loaded_until:
        return
    ids, blobs, qualities = _rows_since(model, None if full else index.loaded_until)
    new_ids = np.asarray(ids, dtype=np.int64)
    new_matrix = vectors_from_bytes(blobs)
    new_quality = np.asarray(qualities, dtype=np.float32)
    if full or not len(index.ids):
        index.partitions = None
        built = partitions_build(new_matrix)
        if built is not None:
            index.partitions, order = built
            new_ids, new_matrix, new_quality = new_ids[order], new_matrix[order], new_quality[order]
        index.ids, index.matrix, index.quality = new_ids, new_matrix, new_quality
        index.fully_loaded_at = time.monotonic()
    elif len(new_ids):
        # Re-embedded documents leave their old row as a tombstone (id -1: the partitions'
        # row ranges stay valid) and, like new ones, are appended: searched whole until the
        # next full reload.
        index.ids = np.where(np.isin(index.ids, new_ids), -1, index.ids)
        index.ids = np.concatenate([index.ids, new_ids])
        index.matrix = np.vstack([index.matrix, new_matrix])
        index.quality = np.concatenate([index.quality, new_quality])
    index.model = model
    index.loaded_until = newest
    _index_by_id(index)


def _index_by_id(index: _Index) -> None:
    index.sorted_rows = np.argsort(index.ids, kind="stable")
    index.sorted_ids = index.ids[index.sorted_rows]


def _rows_of(index: _Index, document_ids: Sequence[int]) -> np.ndarray:
    """The matrix rows of `document_ids` that are in memory (tombstones never match)."""
    wanted = np.asarray([pk for pk in document_ids if pk >= 0], dtype=np.int64)
    if not len(wanted) or not len(index.sorted_ids):
        return np.zeros(0, dtype=np.int64)
    positions = np.minimum(np.searchsorted(index.sorted_ids, wanted), len(index.sorted_ids) - 1)
    return index.sorted_rows[positions[index.sorted_ids[positions] == wanted]]


def _current_index() -> _Index:
    with _lock:
        _refresh(_index)
        return _index


def semantic_index_reset() -> None:
    """Forget the in-memory matrix (tests; a process that changed EMBEDDING_MODEL)."""
    global _index
    with _lock:
        _index = _Index()


@dataclass(frozen=True)
class Neighbour:
    similarity: float
    quality: float


def semantic_neighbours(
    *, query: str, limit: int, min_similarity: float, also: Sequence[int] = ()
) -> dict[int, Neighbour]:
    """The `limit` documents most similar to `query` (at least `min_similarity`), plus the
    similarity of every document in `also` (found lexically), keyed by document id."""
    index = _current_index()
    if not len(index.ids):
        return {}
    vector = text_embed(query)
    if index.partitions is None:
        candidates = np.arange(len(index.ids))
        similarities = index.matrix @ vector
    else:
        candidates, similarities = partitions_search(index.partitions, index.matrix, vector)
    result: dict[int, Neighbour] = {}
    count = min(limit, len(similarities))
    if count:
        best = np.argpartition(-similarities, count - 1)[:count]
        best = best[similarities[best] >= min_similarity]
        for position in best:
            row = candidates[position]
            result[int(index.ids[row])] = Neighbour(
                similarity=float(similarities[position]), quality=float(index.quality[row])
            )
    if also:
        # The documents found lexically get their exact similarity, wherever they are.
        rows = _rows_of(index, also)
        for row, similarity in zip(rows, index.matrix[rows] @ vector, strict=True):
            result[int(index.ids[row])] = Neighbour(
                similarity=float(similarity), quality=float(index.quality[row])
            )
    result.pop(-1, None)  # tombstones of re-embedded documents
    return result
