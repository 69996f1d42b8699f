"""The worker processes of an import: chunks go to a pool of forked processes, each with its
own database connection, and their outcomes come back in input order."""

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connections

from core.db import writer_processes_default

ChunkT = TypeVar("ChunkT")
OutcomeT = TypeVar("OutcomeT")


def import_workers_default() -> int:
    """The worker count `import_chats` uses when none is given (see core.db.writers)."""
    return writer_processes_default()


@contextmanager
def chunk_outcomes(
    process: Callable[[ChunkT], OutcomeT], chunks: Iterable[ChunkT], *, workers: int
) -> Iterator[Iterator[OutcomeT]]:
    """Yields `process(chunk)` for each chunk, in order: in this process when `workers` is 1,
    else from a pool of `workers` forked processes, terminated if the caller stops early (an
    error, Ctrl-C) and joined in any case."""
    if workers <= 1:
        yield map(process, chunks)
        return
    connections.close_all()  # each worker process opens its own connection
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        yield pool.imap(process, chunks)
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.close()
        pool.join()
