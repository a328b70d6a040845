"""Text chunks counted in worker processes, their results taken back in file order."""

from __future__ import annotations

import ctypes
import datetime
import functools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from ntc_tui.capture.tcpdump_chunks import ChunkCounts, ChunkReader, Flavour
from ntc_tui.records import DayCalendar

ReaderKey = tuple[Flavour, bool, datetime.date | None]  # flavour, UTC days, --date
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
_readers: dict[ReaderKey, ChunkReader] = {}  # in a worker: one reader per file flavour


@dataclass(frozen=True)
class Piece:
    """Text to count in file order: whole packets from ``first_line`` on, or (``counts`` given)
    text already judged, such as an overlong line skipped."""

    data: bytes
    first_line: int
    at_end: bool
    counts: ChunkCounts | None = None

    @functools.cached_property
    def lines(self) -> int:
        """The newlines in the piece (counted once)."""
        return self.data.count(b"\n")


def read_piece(key: ReaderKey, piece: Piece, samples: int) -> ChunkCounts:
    """In a worker: count a piece with the reader of its file's flavour (kept for the next)."""
    reader = _readers.get(key)
    if reader is None:
        flavour, utc, date = key
        reader = _readers[key] = ChunkReader(flavour, DayCalendar(utc), date)
    return reader.read(piece.data, piece.first_line, samples, at_end=piece.at_end)


def _die_with_parent(parent: int) -> None:
    """In a worker: end with the importer, even when it is killed (else the worker would wait
    for work forever, holding the importer's output pipes open)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


class ChunkPool:
    """Worker processes (one per core) that count pieces of text; started on first use.

    Workers are forked: nothing of the program is imported or run again in them. Forking is
    only safe from the main thread of a program whose other threads hold nothing the workers
    need, so an import run from another thread (the dashboard's) counts in its own thread."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None

    @property
    def usable(self) -> bool:
        """Whether counting in workers is possible and worth it here."""
        return self.workers > 1 and threading.current_thread() is threading.main_thread()

    def close(self) -> None:
        """Stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def counted(
        self, key: ReaderKey, pieces: Iterable[Piece], samples: Callable[[], int]
    ) -> Iterator[tuple[Piece, ChunkCounts]]:
        """Each piece with its counts, in order; up to one piece per worker is counted ahead.
        ``samples()`` says how many rejected lines are still wanted as examples."""
        if self._executor is None:
            context = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        ahead: deque[tuple[Piece, Future[ChunkCounts]]] = deque()
        for piece in pieces:
            if piece.counts is None:
                future = self._executor.submit(read_piece, key, piece, samples())
            else:
                future = Future()
                future.set_result(piece.counts)
            ahead.append((piece, future))
            if len(ahead) > self.workers:
                done, future = ahead.popleft()
                yield done, future.result()
        while ahead:
            done, future = ahead.popleft()
            yield done, future.result()
