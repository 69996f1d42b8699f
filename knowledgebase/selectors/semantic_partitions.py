"""Cluster pruning for the concept-search matrix (issue #17 item 6, issue #19): an inverted file
of the vectors in pure numpy, so a query reads a few percent of the matrix instead of all of it.

Exact search multiplies the whole N × 512 matrix by the query: at 83,000 chat documents (a
million messages) that is 170 MB read per query, 10 ms on an idle core and 50 ms or more on
this shared machine, which alone is more than the full-text query. Here the vectors are
grouped by spherical k-means into about √N partitions, stored contiguously partition by
partition; a query scores the centroids first (√N × 512), then only the PROBE_SHARE of the
partitions whose centroids are nearest — about 5 % of the matrix — exactly. Vectors of one
topic sit in the same few partitions, so the nearest neighbours are almost always among them
(bench/search.py prints the recall of the top 200 against exact search).

Below MIN_VECTORS the matrix is small enough to search whole (exact): the quality benchmark
and small deployments see no difference at all. Built once per full reload of the process's
matrix (knowledgebase/selectors/semantic.py), from a sample; vectors added between reloads
are searched exactly beside the partitions until the next reload folds them in.
"""

from dataclasses import dataclass

import numpy as np

MIN_VECTORS = 20_000
TRAIN_SAMPLE = 16_000
KMEANS_ITERATIONS = 6
PROBE_SHARE = 0.06
MIN_PROBES = 8
ASSIGN_CHUNK = 20_000
SEED = 17


@dataclass(frozen=True)
class Partitions:
    """The matrix it was built for is reordered partition by partition (`partitions_build`
    returns that order): partition p is rows offsets[p]:offsets[p + 1], and rows from
    offsets[-1] on (added since) belong to none and are searched whole."""

    centroids: np.ndarray  # k × d, unit length
    offsets: np.ndarray  # k + 1

    @property
    def probes(self) -> int:
        return min(len(self.centroids), max(MIN_PROBES, round(PROBE_SHARE * len(self.centroids))))


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def _nearest_centroid(matrix: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    labels = np.empty(len(matrix), dtype=np.int64)
    for start in range(0, len(matrix), ASSIGN_CHUNK):
        block = matrix[start : start + ASSIGN_CHUNK]
        labels[start : start + len(block)] = np.argmax(block @ centroids.T, axis=1)
    return labels


def partitions_build(matrix: np.ndarray) -> tuple[Partitions, np.ndarray] | None:
    """Partitions of `matrix` (unit rows) and the row order the caller must store the matrix
    (and what goes with its rows) in; None when it is small enough to search whole."""
    count = len(matrix)
    if count < MIN_VECTORS:
        return None
    generator = np.random.default_rng(SEED)
    k = int(np.sqrt(count))
    sample = matrix[generator.choice(count, size=min(TRAIN_SAMPLE, count), replace=False)]
    centroids = sample[generator.choice(len(sample), size=k, replace=False)].copy()
    for _ in range(KMEANS_ITERATIONS):
        labels = _nearest_centroid(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        empty = np.bincount(labels, minlength=k) == 0
        # An empty partition takes a random sample vector: every centroid stays a real place.
        sums[empty] = sample[generator.choice(len(sample), size=int(empty.sum()))]
        centroids = _normalised(sums)
    labels = _nearest_centroid(matrix, centroids)
    order = np.argsort(labels, kind="stable")
    offsets = np.searchsorted(labels[order], np.arange(k + 1))
    return Partitions(centroids=centroids.astype(np.float32), offsets=offsets), order


def partitions_search(
    partitions: Partitions, matrix: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(row numbers, similarities) of the rows of `matrix` (stored in the partitions' order) in
    the partitions nearest `query`, and of every row added since they were built."""
    nearest = np.argpartition(-(partitions.centroids @ query), partitions.probes - 1)[
        : partitions.probes
    ]
    spans = [(int(partitions.offsets[p]), int(partitions.offsets[p + 1])) for p in nearest]
    spans.append((int(partitions.offsets[-1]), len(matrix)))
    spans = [(start, end) for start, end in spans if end > start]
    if not spans:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    rows = np.concatenate([np.arange(start, end) for start, end in spans])
    similarities = np.concatenate([matrix[start:end] @ query for start, end in spans])
    return rows, similarities
