"""The capture thread: runs a PacketSource off the main thread and hands its batches over."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ntc_tui.capture.source import PacketSource
from ntc_tui.errors import NtcError
from ntc_tui.records import PacketRecord


@dataclass(frozen=True)
class CaptureBatch:
    """Records in packet order, as the source delivered them."""

    records: list[PacketRecord]


@dataclass(frozen=True)
class CaptureEnded:
    """The last message of a capture: ``error`` says why it failed, None if it ended normally."""

    error: str | None


CaptureMessage = CaptureBatch | CaptureEnded


class CaptureWorker:
    """Owns one thread that runs ``source``; the source's asyncio event loop lives in it.

    ``deliver`` is called from that thread with each CaptureBatch and, exactly once at the end,
    with CaptureEnded. The worker never touches anything else of the session.
    """

    def __init__(self, source: PacketSource, deliver: Callable[[CaptureMessage], None]) -> None:
        self.source = source
        self._deliver = deliver
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"capture {source.description}", daemon=True
        )

    def start(self) -> None:
        """Start capturing in the worker thread."""
        self._thread.start()

    def _run(self) -> None:
        error: str | None = None
        try:
            self.source.run(self._emit, self._stop)
        except NtcError as failure:
            error = str(failure)
        except Exception as failure:  # an unexpected failure still ends the capture cleanly
            error = f"the capture failed: {type(failure).__name__}: {failure}"
        finally:
            self._deliver(CaptureEnded(error))

    def _emit(self, records: list[PacketRecord]) -> None:
        if records:
            self._deliver(CaptureBatch(records))

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the source to stop and wait up to ``timeout`` seconds for it; idempotent."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the worker thread is still capturing (or cleaning up)."""
        return self._thread.is_alive()
