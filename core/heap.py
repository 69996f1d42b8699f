"""The garbage collector during bulk work: the heap that was there before is not rescanned.

CPython's cyclic collector walks every tracked object in a full (oldest-generation) collection.
A bulk import allocates millions of short-lived containers, which trigger such collections
every few batches, and each one walked the whole pre-existing heap (Django, the apps, their
caches: over 100,000 objects): a fifth of an import's Python time. Freezing that heap for the
duration of the work (`gc.freeze`) leaves it out of every collection; nothing is collected
less than before among the objects the work creates, and `gc.unfreeze` at the end returns the
pre-existing objects to the collector, so a long-lived process leaks nothing.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
# gc.freeze is process-wide: two threads importing at once share one freeze, counted here.
_depth_lock = threading.Lock()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Runs the block with the objects alive at its start out of the collector's scans.
    Nested blocks share the outermost one's freeze. Worker processes forked inside the block
    inherit the frozen heap (and touch its pages less, so they share more memory)."""
    global _depth
    with _depth_lock:
        if _depth == 0:
            gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _depth_lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
