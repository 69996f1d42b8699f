"""The one chunk loop of every batch job: claim a chunk, process it, commit, stop when a chunk
comes back short (`chunks_process`), and its read side for streams (`chunks_read`).

A job that stops half-way (a crash, a deploy) has committed every chunk before the one it was in,
and claims from there on its next run, so each job is resumable as long as its claim skips what
is done (a key cursor, or a condition the processed rows no longer meet). Timing and logging
happen outside the transaction, so a slow log never holds a lock.
"""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet

from core.hooks import Hook

logger = logging.getLogger(__name__)

ItemT = TypeVar("ItemT")


@dataclass
class ChunkRun:
    """What a loop did: items claimed, chunks committed, seconds spent."""

    items: int = 0
    chunks: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class ChunkDone:
    label: str
    items: int


# Sent after each committed chunk of `chunks_process`, outside its transaction: what a command's
# progress bar counts while a job runs (core.cli). A receiver only reports; it may not raise.
chunk_done: Hook[ChunkDone, None] = Hook("core.chunk_done")


def chunks_process(
    *,
    claim: Callable[[ItemT | None], Sequence[ItemT]],
    process: Callable[[Sequence[ItemT]], object],
    chunk_size: int,
    atomic: bool = True,
    label: str = "chunk",
) -> ChunkRun:
    """Runs `claim(after)` then `process(chunk)` until a chunk holds fewer than `chunk_size`.

    `claim` receives the last item of the previous chunk (None at first) and returns at most
    `chunk_size` items after it. With `atomic`, each claim and its processing share one
    transaction, so a claim that locks rows (`select_for_update`) keeps them until the chunk
    commits. Without it, `process` owns its transactions (per-item isolation, remote calls).
    """
    run = ChunkRun()
    after: ItemT | None = None
    while True:
        started = time.perf_counter()
        with transaction.atomic() if atomic else nullcontext():
            chunk = claim(after)
            if chunk:
                process(chunk)
        elapsed = time.perf_counter() - started
        run.seconds += elapsed
        if chunk:
            run.items += len(chunk)
            run.chunks += 1
            logger.debug("%s: %d item(s) in %.3f s", label, len(chunk), elapsed)
            chunk_done.send(ChunkDone(label=label, items=len(chunk)))
        if len(chunk) < chunk_size:
            return run
        after = chunk[-1]


def chunks_read(
    *, claim: Callable[[ItemT | None], Sequence[ItemT]], chunk_size: int
) -> Iterator[Sequence[ItemT]]:
    """The read side of the same loop, for streams (an export, a CSV response, a chain walk):
    yields each non-empty chunk `claim(after)` returns, and stops after a short one. No
    transaction: a reader holds no lock between chunks."""
    after: ItemT | None = None
    while True:
        chunk = claim(after)
        if chunk:
            yield chunk
        if len(chunk) < chunk_size:
            return
        after = chunk[-1]


def ids_after(
    queryset: QuerySet[Any], after: int | None, chunk_size: int, *, key: str = "pk"
) -> list[int]:
    """The next `chunk_size` values of `key` above `after`, in order: a key-cursor claim."""
    if after is not None:
        queryset = queryset.filter(**{f"{key}__gt": after})
    return list(queryset.order_by(key).values_list(key, flat=True)[:chunk_size])


def rows_after(
    queryset: QuerySet[Any], after: Any | None, chunk_size: int, *, key: str = "pk"
) -> list[Any]:
    """The next `chunk_size` model instances above `after` (an instance) by `key`."""
    if after is not None:
        queryset = queryset.filter(**{f"{key}__gt": getattr(after, key)})
    return list(queryset.order_by(key)[:chunk_size])
