"""The one chunk loop of every batch job: claim a chunk, process it, commit, stop when a chunk
comes back short (`chunks_process`), and its read side for streams (`chunks_read`).

A job that stops half-way (a crash, a deploy) has committed every chunk before the one it was in,
and claims from there on its next run, so each job is resumable as long as its claim skips what
is done (a key cursor, or a condition the processed rows no longer meet). Timing and logging
happen outside the transaction, so a slow log never holds a lock.

Claims that skip locked rows end a worker's loop while another worker still holds a chunk; if
that worker is gone (killed, its machine or network lost), its chunk stays undone until its
session's lease expires (CLAIM_LEASE_SECONDS). `LockedWorkWait` keeps the loop of a worker that
ran out of claimable work going until that work is done or claimable again.
"""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
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


class LockedWorkWait:
    """Waits for work locked by another session: call `again(remaining)` after a short claim,
    with whether unfinished work is left (locked or not, as a plain read sees it); it sleeps
    and returns True while the caller should claim again, False when nothing is left or the
    other session held it past twice the lease (the next run of the job then takes it).
    `progress()` after every non-empty claim restarts the wait."""

    def __init__(self, *, lease_s: float | None = None, label: str = "claim") -> None:
        self.lease_s = float(settings.CLAIM_LEASE_SECONDS if lease_s is None else lease_s)
        self.poll_s = min(1.0, max(0.05, self.lease_s / 8))
        self.label = label
        self.deadline: float | None = None
        self.waited_s = 0.0

    def progress(self) -> None:
        self.deadline = None

    def again(self, remaining: bool) -> bool:
        if not remaining:
            return False
        clock = time.monotonic()
        if self.deadline is None:
            self.deadline = clock + 2 * self.lease_s
            logger.info("%s: work left is held by another session; waiting for it", self.label)
        if clock >= self.deadline:
            logger.warning(
                "%s: work still held by another session after %.0f s; left to the next run",
                self.label,
                2 * self.lease_s,
            )
            return False
        time.sleep(self.poll_s)
        self.waited_s += time.monotonic() - clock
        return True


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
