"""bench/search.py's concept-search half: vectors for the bench documents, the lexical and the
hybrid API timed on the same queries, and the recall of cluster pruning against exact search.

Vectors: encoding 100,000 documents would take longer than the whole benchmark, and the bench
chats differ only by product name, order number and the order of filler lines, so each
document gets the encoder's vector of its request (the title's text, digits removed: at most
10 topics × 200 products distinct texts, each encoded once), plus a little Gaussian noise so
that no two vectors are equal (the partitions then have real work to do). Latency does not
depend on what the vectors say, only on how many there are; the quality figures come from
bench/search_quality.py.
"""

import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np

NOISE = 0.05
ENCODE_BATCH = 256
_DIGITS = re.compile(r"\d+")


def vectors_load(source: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from core.db import rows_insert
    from core.embeddings import embedding_model_name, texts_embed
    from knowledgebase.models import DocumentVector, SearchDocument
    from knowledgebase.services.embeddings import document_quality, vector_to_bytes

    model = embedding_model_name()
    documents = SearchDocument.objects.filter(chat__source=source)
    missing = documents.filter(vector__isnull=True)
    if not missing.exists():
        print(f"reusing the vectors of {documents.count():,} bench documents")
        return
    started = time.monotonic()
    rows = list(missing.only("id", "kind", "title", "body", "updated_at"))
    texts = {d.pk: _DIGITS.sub("", d.title.partition(": ")[2]) for d in rows}
    distinct = sorted(set(texts.values()))
    encoded: dict[str, np.ndarray] = {}
    for start in range(0, len(distinct), ENCODE_BATCH):
        batch = distinct[start : start + ENCODE_BATCH]
        encoded.update(zip(batch, texts_embed(batch), strict=True))
    generator = np.random.default_rng(5)
    now = timezone.now()

    def vector_rows() -> Any:
        for document in rows:
            vector = encoded[texts[document.pk]] + generator.normal(0, NOISE, 512)
            vector = (vector / np.linalg.norm(vector)).astype(np.float32)
            yield (
                document.pk,
                vector_to_bytes(vector),
                model,
                "bench",
                document_quality(document, None),
                document.updated_at,
                now,
            )

    fields = [
        "document_id",
        "vector",
        "model",
        "text_sha256",
        "quality",
        "source_updated_at",
        "embedded_at",
    ]
    with transaction.atomic():
        rows_insert(DocumentVector, fields, vector_rows())
    print(
        f"  {len(rows):,} vectors ({len(distinct):,} distinct texts encoded) in "
        f"{time.monotonic() - started:.1f}s",
        flush=True,
    )


def timed(call: Callable[[Any], Any], workload: list[Any]) -> list[float]:
    timings = []
    for item in workload:
        started = time.perf_counter()
        call(item)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def api_timings(client: Any, workload: list[tuple[str, dict[str, str]]], semantic: bool) -> Any:
    """(timings in ms, match counts) of the search API with concept search on or off."""
    from django.test import override_settings

    hits: list[int] = []

    def one(item: tuple[str, dict[str, str]]) -> None:
        query, params = item
        response = client.get("/api/v1/kb/search/", {"q": query, **params})
        if response.status_code != 200:
            raise SystemExit(f"search API failed: {response.status_code} {response.content!r}")
        hits.append(response.json()["count"])

    with override_settings(KB_SEARCH_SEMANTIC=semantic):
        for item in workload[:10]:  # warm caches, the connection and the in-memory matrix
            one(item)
        hits.clear()
        return timed(one, workload), hits


def pruning_recall(queries: list[str], limit: int = 200) -> float | None:
    """Share of the exact top-`limit` neighbours that cluster pruning also returns."""
    from core.embeddings import text_embed
    from knowledgebase.selectors import semantic
    from knowledgebase.selectors.semantic_partitions import partitions_search

    index = semantic._snapshot()
    if index.partitions is None or not len(index.ids):
        return None
    found = total = 0
    for query in queries:
        vector = text_embed(query)
        exact = index.matrix @ vector
        best = set(np.argpartition(-exact, limit - 1)[:limit].tolist())
        rows, similarities = partitions_search(index.partitions, index.matrix, vector)
        pruned = set(rows[np.argpartition(-similarities, limit - 1)[:limit]].tolist())
        found += len(best & pruned)
        total += len(best)
    return found / total
