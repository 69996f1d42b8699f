"""The garbage collector of a web process (issue #19).

A request allocates some hundred thousand objects (querysets, model instances, serializer
fields), nearly all freed by reference counting when it ends. With CPython's default thresholds
(700, 10, 10) the collector still runs a young collection every 700 allocations, promotes what
is alive at that moment (the request's own objects) and, every few hundred requests, walks the
whole heap — the modules, settings and URL patterns loaded at start-up among it — in a pass of
~130 ms on this machine. Measured around bench/api_cpu.py, collections cost ~1.1 ms a request;
with the thresholds below, ~0.55 ms, and no full pass over the start-up objects, which
`gc.freeze()` moves out of the collector's sight (they live as long as the process).

Web processes only (config/wsgi.py): a worker or a command keeps the defaults.
"""

import gc

# A young collection every 20,000 allocations, a middle one every 20 of those, a full one every
# 10 middle ones (and, as always, only when the survivors have grown by a quarter).
REQUEST_GC_THRESHOLDS = (20_000, 20, 10)


def collector_tune_for_requests() -> None:
    """Called once the application is loaded: what exists now lives as long as the process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*REQUEST_GC_THRESHOLDS)
