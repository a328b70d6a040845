"""Bulk work: a scope in which Python's cycle collector pauses while a report builds its objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector (reports make hundreds of thousands of acyclic tuples and dicts,
    each collection would walk them all again); restore it as it was, also on failure."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
