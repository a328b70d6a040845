"""CaptureWorker: batches in order from its own thread, exactly one CaptureEnded, prompt stop."""

from __future__ import annotations

import threading
from pathlib import Path

from ntc_tui.capture.source import Emit, ListSource, Started, not_told
from ntc_tui.capture.tshark import file_source
from ntc_tui.capture.worker import (
    CaptureBatch,
    CaptureEnded,
    CaptureMessage,
    CaptureStarted,
    CaptureWorker,
)
from ntc_tui.errors import CapturePermissionError
from ntc_tui.records import FAMILY_V4, PacketRecord
from tests.capture.conftest import leftover_processes
from tests.support import pcapgen

RECORDS = [PacketRecord(1e9 + i, 60 + i, FAMILY_V4, i, i + 1, "UDP", None) for i in range(2500)]


class Inbox:
    """What a session would do: collect messages, note the thread they came from."""

    def __init__(self) -> None:
        self.messages: list[CaptureMessage] = []
        self.threads: set[str] = set()
        self.ended = threading.Event()

    def deliver(self, message: CaptureMessage) -> None:
        self.messages.append(message)
        self.threads.add(threading.current_thread().name)
        if isinstance(message, CaptureEnded):
            self.ended.set()

    def records(self) -> list[PacketRecord]:
        return [r for m in self.messages if isinstance(m, CaptureBatch) for r in m.records]

    def endings(self) -> list[CaptureEnded]:
        return [m for m in self.messages if isinstance(m, CaptureEnded)]


def test_batches_arrive_in_order_from_the_worker_thread_then_one_end() -> None:
    inbox = Inbox()
    worker = CaptureWorker(ListSource(RECORDS, batch_size=1000, description="list"), inbox.deliver)
    worker.start()
    assert inbox.ended.wait(10)
    worker.stop()
    assert inbox.records() == RECORDS
    assert inbox.messages[0] == CaptureStarted()
    assert [len(m.records) for m in inbox.messages[1:-1]] == [1000, 1000, 500]  # type: ignore[union-attr]
    assert inbox.messages[-1] == CaptureEnded(None)
    assert inbox.threads == {"capture list"}
    assert not worker.running


def test_stop_ends_a_source_that_runs_until_stopped_and_is_idempotent() -> None:
    inbox = Inbox()
    worker = CaptureWorker(ListSource(RECORDS, until_stopped=True), inbox.deliver)
    worker.start()
    worker.stop()
    worker.stop()
    assert not worker.running
    assert inbox.endings() == [CaptureEnded(None)]


def test_stop_before_start_delivers_nothing_but_the_end() -> None:
    inbox = Inbox()
    worker = CaptureWorker(ListSource(RECORDS), inbox.deliver)
    worker.stop()
    worker.start()
    assert inbox.ended.wait(10)
    assert inbox.messages == [CaptureEnded(None)]


class FailingSource:
    description = "failing"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def run(self, emit: Emit, stop: threading.Event, started: Started = not_told) -> None:
        emit(RECORDS[:3])
        emit([])  # empty batches are not delivered
        raise self.error

    def abandon(self) -> None:
        """Nothing was started."""


def test_an_expected_failure_ends_with_its_sentence_and_exit_code() -> None:
    inbox = Inbox()
    message = "not allowed to capture on eth9: run ntc-tui with sudo"
    worker = CaptureWorker(FailingSource(CapturePermissionError(message)), inbox.deliver)
    worker.start()
    assert inbox.ended.wait(10)
    assert inbox.messages == [CaptureBatch(RECORDS[:3]), CaptureEnded(message, exit_code=3)]


def test_an_unexpected_failure_still_ends_the_capture_cleanly() -> None:
    inbox = Inbox()
    worker = CaptureWorker(FailingSource(RuntimeError("boom")), inbox.deliver)
    worker.start()
    assert inbox.ended.wait(10)
    assert inbox.endings() == [CaptureEnded("the capture failed: RuntimeError: boom", 1)]


def test_file_source_through_the_worker_stops_promptly(tmp_path: Path) -> None:
    path = tmp_path / "big.pcap"
    pcapgen.write_pcap(path, pcapgen.mixed_traffic(30_000, seed=2))
    inbox = Inbox()
    first = threading.Event()

    def deliver(message: CaptureMessage) -> None:
        inbox.deliver(message)
        first.set()

    worker = CaptureWorker(file_source(path), deliver)
    worker.start()
    assert first.wait(30)
    worker.stop()  # the default 1 s is the contract
    assert not worker.running
    assert inbox.endings() == [CaptureEnded(None)]
    assert leftover_processes(str(path)) == []
