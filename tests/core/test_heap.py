"""core.heap: bulk work runs with the pre-existing heap frozen, and gives it back afterwards."""

import gc
import weakref

import pytest

from core.heap import heap_frozen


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_a_cycle_dropped_during_the_block_is_still_collected_after_it() -> None:
    before = _Node()
    before.other = before  # alive when the block starts: frozen with the rest of the heap
    seen_before = weakref.ref(before)
    with heap_frozen():
        assert gc.get_freeze_count() > 0
        del before
        gc.collect()
        assert seen_before() is not None  # frozen: left alone during the work
        made_during = _cycle()
        gc.collect()
        assert made_during() is None  # the work's own garbage is collected as ever
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert seen_before() is None  # nothing leaks once the block is over


def _fail_inside_nested_blocks() -> None:
    with heap_frozen():
        with heap_frozen():
            pass
        assert gc.get_freeze_count() > 0  # the inner block left the outer freeze in place
        raise RuntimeError("the import failed")


def test_a_nested_block_keeps_the_outer_freeze_and_an_error_still_unfreezes() -> None:
    with pytest.raises(RuntimeError):
        _fail_inside_nested_blocks()
    assert gc.get_freeze_count() == 0
