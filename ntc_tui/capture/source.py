"""The PacketSource contract between capture back-ends and the worker, and an in-memory source."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from ntc_tui.records import PacketRecord

Emit = Callable[[list[PacketRecord]], None]
Started = Callable[[], None]


def not_told() -> None:
    """A ``started`` callback for callers that do not need to know."""


class PacketSource(Protocol):
    """Where packets come from: an interface, a capture file, or a list (tests)."""

    description: str  # e.g. "eth0" or "file.pcap"

    def run(self, emit: Emit, stop: threading.Event, started: Started = not_told) -> None:
        """Block in the calling thread until the source ends or ``stop`` is set.

        Calls ``started`` once it is capturing (live: the interface is open), ``emit`` with
        batches of records in packet order. Starts nothing once ``stop`` is set. Raises NtcError
        subclasses for expected failures (permission, interface gone, tshark died: the message
        says so). Leaves no child process behind, on every path.
        """
        ...

    def abandon(self) -> None:
        """Called from another thread when ``run`` did not return soon after ``stop`` was set:
        end what it started and remove its files at once (``run`` may still return later)."""
        ...


class ListSource:
    """A PacketSource over records in memory, delivered in batches (aggregator and UI tests)."""

    def __init__(
        self,
        records: Iterable[PacketRecord],
        batch_size: int = 1000,
        description: str = "records",
        until_stopped: bool = False,
    ) -> None:
        self.records = list(records)
        self.batch_size = max(1, batch_size)
        self.description = description
        self.until_stopped = until_stopped  # like a live interface: ends only when stopped

    def run(self, emit: Emit, stop: threading.Event, started: Started = not_told) -> None:
        """Emit the records batch by batch until they are all sent or ``stop`` is set."""
        if stop.is_set():
            return
        started()
        for start in range(0, len(self.records), self.batch_size):
            if stop.is_set():
                return
            emit(self.records[start : start + self.batch_size])
        if self.until_stopped:
            stop.wait()

    def abandon(self) -> None:
        """Nothing to end: the records are in memory."""


def paced(emit: Emit, stop: threading.Event) -> Emit:
    """``emit`` slowed down to the records' own clock (``--realtime``): a record is delivered no
    earlier than its timestamp's distance from the first record's; returns early on ``stop``."""
    offset: list[float] = []  # wall clock minus packet clock, fixed by the first record

    def emit_paced(records: list[PacketRecord]) -> None:
        start = 0
        for index, record in enumerate(records):
            now = time.monotonic()
            if not offset:
                offset.append(now - record.ts)
            delay = record.ts + offset[0] - now
            if delay > 0:
                if index > start:
                    emit(records[start:index])
                    start = index
                if stop.wait(delay):
                    return
        if start < len(records):
            emit(records[start:])

    return emit_paced
