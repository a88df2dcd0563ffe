"""Pausing CPython's cyclic garbage collector while a consume loop works through a batch.

A batch holds up to a thousand decoded ~25 KB tender events, each a few hundred tracked
objects, alive until the batch is done. With the collector on, every few hundred
allocations it scans the young objects and promotes the survivors, and full collections
re-scan everything promoted so far: decoding a batch took twice as long as decoding the
same events one at a time (about 200 instead of 100 µs an event). Decoded events and
handler work form no reference cycles, so nothing needs the collector until the batch is
released (by reference counting).

The collector is process-wide while loops run in threads of one process (`tenderwatch
run`), so the pause is counted: it ends when the last batch in progress ends. Loops wait in
`poll` between batches and back off outside the pause, so the collector runs in those gaps.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_batches_in_progress = 0
_was_enabled = False


def _enter() -> None:
    global _batches_in_progress, _was_enabled
    with _lock:
        if _batches_in_progress == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _batches_in_progress += 1


def _leave() -> None:
    global _batches_in_progress
    with _lock:
        _batches_in_progress -= 1
        if _batches_in_progress == 0 and _was_enabled:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Around the work on one batch."""
    _enter()
    try:
        yield
    finally:
        _leave()


@contextmanager
def collector_resumed() -> Iterator[None]:
    """Inside `collector_paused`, around a wait (a retry backoff while a store is down may
    last hours): the collector runs again unless another batch is in progress."""
    _leave()
    try:
        yield
    finally:
        _enter()
