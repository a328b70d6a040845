"""The capture thread: runs a PacketSource off the main thread and hands its batches over."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ntc_tui.capture.source import PacketSource
from ntc_tui.errors import NtcError
from ntc_tui.records import PacketRecord

STOP_SECONDS = 1.0  # how long stop waits for the source before ending what it started itself


@dataclass(frozen=True)
class CaptureStarted:
    """The source is capturing (live: dumpcap has the interface open); at most once."""


@dataclass(frozen=True)
class CaptureBatch:
    """Records in packet order, as the source delivered them."""

    records: list[PacketRecord]


@dataclass(frozen=True)
class CaptureEnded:
    """The last message of a capture: ``error`` says why it failed, None if it ended normally;
    ``exit_code`` is the failure's exit code (SPEC §2: 3 for a permission problem)."""

    error: str | None
    exit_code: int = 1


CaptureMessage = CaptureStarted | CaptureBatch | CaptureEnded


class CaptureWorker:
    """Owns one thread that runs ``source``; the source's asyncio event loop lives in it.

    ``deliver`` is called from that thread with CaptureStarted (once capturing), each
    CaptureBatch and, exactly once at the end, with CaptureEnded. The worker never touches
    anything else of the session.
    """

    def __init__(self, source: PacketSource, deliver: Callable[[CaptureMessage], None]) -> None:
        self.source = source
        self._deliver = deliver
        self._stop = threading.Event()
        self._started = False
        self._thread = threading.Thread(
            target=self._run, name=f"capture {source.description}", daemon=True
        )

    def start(self) -> None:
        """Start capturing in the worker thread."""
        self._thread.start()

    def _run(self) -> None:
        ending = CaptureEnded(None)
        try:
            self.source.run(self._emit, self._stop, self._tell_started)
        except NtcError as failure:
            ending = CaptureEnded(str(failure), failure.exit_code)
        except Exception as failure:  # an unexpected failure still ends the capture cleanly
            ending = CaptureEnded(f"the capture failed: {type(failure).__name__}: {failure}")
        finally:
            self._deliver(ending)

    def _tell_started(self) -> None:
        if not self._started:
            self._started = True
            self._deliver(CaptureStarted())

    def _emit(self, records: list[PacketRecord]) -> None:
        if records:
            self._deliver(CaptureBatch(records))

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Ask the source to stop and wait up to ``timeout`` seconds for it; if it is still
        running then, end what it started from here (no process or file is left); idempotent."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                self.source.abandon()

    @property
    def running(self) -> bool:
        """Whether the worker thread is still capturing (or cleaning up)."""
        return self._thread.is_alive()
