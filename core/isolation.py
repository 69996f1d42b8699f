"""One bad chat never stops a job (issue #12).

Batch jobs work chunk by chunk. `chunk_process_isolated` runs one chunk's work in a savepoint;
if it raises, the chunk is rolled back and the work is retried one item at a time, each in its
own savepoint, so every good item of the chunk still commits and only the failing ones are
left out. A failing item is logged with its id (never with its text) and returned, so the job
counts it as `failed`, reports it and leaves it for the next run (it stays pending).

The work function must keep its side effects inside the database transaction (or return them,
to be merged by the caller only on success): a failed attempt is rolled back, so what it wrote
must not have been counted yet.

Not isolated (they are no item's fault and would fail every item alike): configuration errors
(ImproperlyConfigured, e.g. a missing spaCy model: a clear start-up error, R-PII-5), a lost
database connection, and BaseExceptions such as a killed worker (KeyboardInterrupt, SystemExit):
they stop the job, and the open chunk rolls back.
"""

import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, transaction

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
NOT_AN_ITEMS_FAULT: tuple[type[Exception], ...] = (ImproperlyConfigured, InterfaceError)


def chunk_process_isolated(
    items: Sequence[Item],
    work: Callable[[Sequence[Item]], Outcome],
    *,
    job: str,
    item_id: Callable[[Item], int],
    label: str = "chat",
    atomic: bool = True,
) -> tuple[list[Outcome], list[int]]:
    """Runs `work(items)`; on failure `work([item])` for each item. Returns the outcomes of the
    attempts that succeeded and the ids of the items that failed alone.

    atomic=False: `work` opens its own transaction (e.g. slow NLP first, outside any transaction,
    then one transaction for the writes), so it is not wrapped in a savepoint here.
    """
    if not items:
        return [], []
    guard = transaction.atomic if atomic else contextlib.nullcontext
    try:
        with guard():
            return [work(items)], []
    except NOT_AN_ITEMS_FAULT:
        raise
    except Exception as error:
        if len(items) == 1:
            return [], [_failed(job, label, item_id(items[0]), error)]
        logger.warning(
            "%s: a chunk of %d %ss failed (%s); retrying them one by one",
            job,
            len(items),
            label,
            type(error).__name__,
        )
    outcomes: list[Outcome] = []
    failed: list[int] = []
    for item in items:
        try:
            with guard():
                outcomes.append(work([item]))
        except NOT_AN_ITEMS_FAULT:
            raise
        except Exception as error:
            failed.append(_failed(job, label, item_id(item), error))
    return outcomes, failed


def _failed(job: str, label: str, pk: int, error: Exception) -> int:
    # The exception type and traceback, not its message in the summary: messages can quote text.
    logger.error(
        "%s: %s %s failed (%s); left for the next run",
        job,
        label,
        pk,
        type(error).__name__,
        exc_info=error,
    )
    return pk


def failed_message(job: str, failed: Sequence[int], label: str = "chat") -> str:
    shown = ", ".join(str(pk) for pk in failed[:20])
    more = f" and {len(failed) - 20} more" if len(failed) > 20 else ""
    return f"{job}: {len(failed)} {label}(s) failed and will be retried next run: {shown}{more}"
