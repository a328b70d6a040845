"""Background jobs of the dashboard (import, history queries): a worker thread hands its progress
and its end to the main thread through a queue and the loop's wake-up."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ntc_tui.errors import NtcError

Progress = TypeVar("Progress")
Result = TypeVar("Result")


@dataclass(frozen=True)
class JobEnd(Generic[Result]):
    """How a job ended: its result, or the one sentence saying why it failed."""

    result: Result | None
    error: str | None
    cancelled: bool


Work = Callable[[Callable[[Progress], None], threading.Event], Result]


class Job(Generic[Progress, Result]):
    """Runs ``work(report_progress, cancel)`` on its own thread.

    The worker never touches a widget: each progress report and the end go on a queue, then
    ``wake`` (the loop's pipe) is called; the main thread takes them with ``poll``.
    """

    def __init__(self, name: str, work: Work[Progress, Result], wake: Callable[[], None]) -> None:
        self.name = name
        self._work = work
        self._wake = wake
        self._inbox: queue.SimpleQueue[Progress | JobEnd[Result]] = queue.SimpleQueue()
        self.cancel_event = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.progress: Progress | None = None  # the latest progress the main thread has seen
        self.end: JobEnd[Result] | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def _run(self) -> None:
        result: Result | None = None
        error: str | None = None
        try:
            result = self._work(self._report, self.cancel_event)
        except NtcError as failure:
            error = str(failure)
        except Exception as failure:  # a bug in a job ends the job, not the dashboard
            error = f"{self.name} failed: {type(failure).__name__}: {failure}"
        self._inbox.put(JobEnd(result, error, self.cancel_event.is_set()))
        self._wake()

    def _report(self, progress: Progress) -> None:
        """Called in the worker thread."""
        self._inbox.put(progress)
        self._wake()

    def poll(self) -> bool:
        """Take what the worker sent (main thread); True if anything changed."""
        changed = False
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return changed
            changed = True
            if isinstance(item, JobEnd):
                self.end = item
            else:
                self.progress = item

    @property
    def running(self) -> bool:
        """Whether the job has not ended yet (as far as the main thread has seen)."""
        return self.end is None

    def cancel(self) -> None:
        """Ask the work to stop at its next check of the cancel event."""
        self.cancel_event.set()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the thread; True if it ended."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()
