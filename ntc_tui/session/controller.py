"""One capture session on the main thread: capture → aggregator → store, flushes, its report."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ntc_tui.aggregate import Aggregator, FlushBatch, HostAddresses, Snapshot, SortMode
from ntc_tui.capture.interfaces import (
    check_capture_rights,
    default_interface,
    interface_info,
    list_interfaces,
    read_counters,
    require_tshark,
)
from ntc_tui.capture.tshark import file_source, live_source
from ntc_tui.capture.worker import CaptureBatch, CaptureEnded, CaptureMessage, CaptureWorker
from ntc_tui.errors import NtcError, UsageError
from ntc_tui.records import format_address, parse_address
from ntc_tui.session.reporting import write_report
from ntc_tui.store import Batch, Store, default_data_dir

ADDRESS_REFRESH_SECONDS = 5.0  # how often a live session re-reads the interface's addresses


class CaptureState(StrEnum):
    """What the capture is doing, as the header shows it."""

    STARTING = "starting"  # until tshark captures (live: dumpcap has the interface open)
    RUNNING = "running"
    STOPPED = "stopped"
    ERROR = "error"


class DirectionSource(StrEnum):
    """Where the addresses that decide IN and OUT come from (Session.addresses lists them)."""

    INTERFACE = "interface"  # the watched interface's addresses and MAC, re-read while running
    HOST_OPTION = "host-option"  # --host
    LOCAL_ADDRESSES = "local-addresses"  # --read without --host: every local interface's


@dataclass
class SessionOptions:
    """Everything a session is started with (SPEC §2's live options)."""

    interface: str | None = None  # None: the default interface (ignored with read_file)
    read_file: Path | None = None  # --read: replay a capture file instead of an interface
    realtime: bool = False
    bpf_filter: str | None = None
    host: tuple[str, ...] = ()  # --host: this host's addresses (IP or MAC) for direction
    persist: bool = False
    data_dir: Path = field(default_factory=default_data_dir)
    report_dir: Path | None = Path()  # None: --no-report
    utc: bool = False
    flush_seconds: float = 10.0


class Session:
    """Owns the aggregator and the writer store; only the main thread calls its methods.

    The capture worker's batches arrive on a queue; ``wake`` is called from the worker thread after
    each put, so an event loop can sleep until there is something to ``pump``.
    """

    def __init__(self, options: SessionOptions, wake: Callable[[], None] | None = None) -> None:
        self.options = options
        self._wake = wake
        self._inbox: queue.SimpleQueue[CaptureMessage] = queue.SimpleQueue()
        self.state = CaptureState.STARTING
        self.error: str | None = None  # why the capture stopped, when it did not end normally
        self.error_exit_code = 1  # SPEC §2's exit code for ``error`` (3: not allowed to capture)
        self.flush_error: str | None = (
            None  # the last flush's failure (disk full ...), None once it works
        )
        self.interface = options.interface or ""
        self.addresses: tuple[str, ...] = ()  # the addresses that decide direction, as text
        self.direction_source = DirectionSource.INTERFACE
        self.started_at = time.time()
        self.stopped_at: float | None = None
        self.store: Store | None = None
        self._worker: CaptureWorker | None = None
        self._last_packet_ts: float | None = None
        self._last_flush = 0.0
        self._addresses_read = 0.0  # monotonic time the interface's addresses were last read
        self.aggregator = Aggregator(HostAddresses(frozenset(), None), utc=options.utc)

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def replaying(self) -> bool:
        """Whether packets come from a file (their own clock) rather than an interface."""
        return self.options.read_file is not None

    def start(self) -> None:
        """Resolve the interface, check rights, open the store if persisting, start the capture.

        Raises NtcError (usage, permission, storage) before any process is started.
        """
        require_tshark()
        options = self.options
        interface_host: HostAddresses | None = None
        if options.read_file is not None:
            if not options.read_file.is_file():
                raise UsageError(f"cannot read {options.read_file}: no such file")
            source = file_source(options.read_file, realtime=options.realtime)
            self.interface = options.read_file.name
            self.direction_source = DirectionSource.LOCAL_ADDRESSES
        else:
            self.interface = options.interface or default_interface()
            interface_host = self._interface_host()
            check_capture_rights(self.interface, options.bpf_filter)
            source = live_source(self.interface, options.bpf_filter)
            self.direction_source = DirectionSource.INTERFACE
            self._read_interface_counters()
        from_option = self._host_from_options()
        if from_option is not None:
            self.direction_source = DirectionSource.HOST_OPTION
        host = from_option or interface_host or _all_local_addresses()
        self.aggregator = Aggregator(host, utc=options.utc)
        self.addresses = _describe(host)
        if options.persist:
            self.set_persistence(True)
        self._worker = CaptureWorker(source, self._deliver)
        self.started_at = time.time()
        self._last_flush = time.monotonic()
        self._worker.start()

    def _interface_host(self) -> HostAddresses:
        """The watched interface's addresses and MAC, read now."""
        info = interface_info(self.interface)
        self._addresses_read = time.monotonic()
        return HostAddresses(frozenset((*info.ipv4, *info.ipv6)), info.mac)

    def _refresh_addresses(self) -> None:
        """Follow the interface's addresses (a new temporary IPv6 address, a DHCP lease)."""
        now = time.monotonic()
        if now - self._addresses_read < ADDRESS_REFRESH_SECONDS:
            return
        self._addresses_read = now  # also when it fails: try again in as many seconds
        try:
            host = self._interface_host()
        except NtcError:  # the interface went away: the capture says so; keep what we had
            return
        if host != self.aggregator.host:
            self.aggregator.set_host(host)
            self.addresses = _describe(host)

    def _host_from_options(self) -> HostAddresses | None:
        if not self.options.host:
            return None
        addresses: set[int | bytes] = set()
        mac = None
        for text in self.options.host:
            if text.count(":") == 5 and all(len(part) == 2 for part in text.split(":")):
                mac = text.lower()
                continue
            try:
                addresses.add(parse_address(text))
            except ValueError:
                raise UsageError(
                    f"--host {text!r} is neither an IP address nor a MAC address"
                ) from None
        return HostAddresses(frozenset(addresses), mac)

    def _deliver(self, message: CaptureMessage) -> None:
        """Called in the capture worker's thread."""
        self._inbox.put(message)
        if self._wake is not None:
            self._wake()

    def stop(self) -> Path | None:
        """End the session on any exit path: stop capture, count the rest, flush, write the report.

        Returns the session report's path (None with --no-report).
        """
        if self._worker is not None:
            self._worker.stop()  # returns with no capture process or spool file left
        self.pump()
        if self.state in (CaptureState.STARTING, CaptureState.RUNNING):
            self.state = CaptureState.STOPPED
        self.stopped_at = time.time()
        self.aggregator.tick(self.clock())
        if self.store is not None:
            self.flush()
            self.store.close()
            self.store = None
        if self.options.report_dir is None:
            return None
        return write_report(self, self.options.report_dir)

    # --- main-thread work ------------------------------------------------------------------------

    def pump(self) -> bool:
        """Move what the capture delivered into the aggregator; True if the capture has ended."""
        ended = False
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return ended
            if isinstance(message, CaptureEnded):
                ended = True
                if message.error:
                    self.state, self.error = CaptureState.ERROR, message.error
                    self.error_exit_code = message.exit_code
                else:
                    self.state = CaptureState.STOPPED
                continue
            if self.state is CaptureState.STARTING:  # capturing: it said so, or packets came
                self.state = CaptureState.RUNNING
            if isinstance(message, CaptureBatch) and message.records:
                self.aggregator.add(message.records)
                last = message.records[-1].ts
                if self._last_packet_ts is None or last > self._last_packet_ts:
                    self._last_packet_ts = last

    def clock(self) -> float:
        """The session's time: the wall clock live, the packets' own clock when replaying a file."""
        if self.replaying:
            return self._last_packet_ts if self._last_packet_ts is not None else 0.0
        return time.time()

    @property
    def exit_code(self) -> int:
        """The command's exit code for how the capture ended (SPEC §2): 0 unless it failed."""
        return self.error_exit_code if self.state is CaptureState.ERROR else 0

    def tick(self) -> None:
        """About once a second: fold counts, read the interface counters (and every few seconds
        its addresses), flush when it is due."""
        self.aggregator.tick(self.clock())
        if not self.replaying:
            self._read_interface_counters()
            if self.direction_source is DirectionSource.INTERFACE:
                self._refresh_addresses()
        if (
            self.store is not None
            and time.monotonic() - self._last_flush >= self.options.flush_seconds
        ):
            self.flush()

    def _read_interface_counters(self) -> None:
        counters = read_counters(self.interface)
        if counters is not None:
            self.aggregator.observe_interface(
                counters.rx_bytes, counters.tx_bytes, counters.rx_dropped + counters.tx_dropped
            )

    def snapshot(self, offset: int = 0, limit: int = 20) -> Snapshot:
        """The aggregator's view of the session as of its last tick (what it has folded; a
        redraw between ticks shows the same rates), or of the session clock before the first."""
        folded = self.aggregator.clock
        return self.aggregator.snapshot(
            folded if folded is not None else self.clock(), offset, limit
        )

    @property
    def span(self) -> tuple[float, float]:
        """(start, stop) of what the session saw: wall-clock times live, the packets' own first
        and last timestamps for a replay (SPEC §2: it shows what happened when captured)."""
        stop = self.stopped_at if self.stopped_at is not None else time.time()
        first, last = self.aggregator.first_ts, self.aggregator.last_ts
        if self.replaying and first is not None and last is not None:
            return first, last
        return self.started_at, stop

    def set_sort(self, mode: SortMode) -> None:
        """Rank the top table by ``mode``."""
        self.aggregator.set_sort(mode)

    # --- persistence -----------------------------------------------------------------------------

    @property
    def persisting(self) -> bool:
        """Whether counts go to the data directory."""
        return self.aggregator.persisting

    def set_persistence(self, on: bool) -> None:
        """Persistence on (opens the writer store) or off (flushes what it collected, closes)."""
        if on and not self.persisting:
            self.store = self.writer_store()
            self.aggregator.set_persisting(True)
            self._last_flush = time.monotonic()
        elif not on and self.persisting:
            self.aggregator.tick(self.clock())
            self.flush()
            self.aggregator.set_persisting(False)
            if not self.aggregator.unflushed and self.store is not None:
                self.store.close()
                self.store = None

    def writer_store(self) -> Store:
        """The data directory opened for writing (kept open while persisting)."""
        if self.store is None:
            self.store = Store.open(self.options.data_dir, writer=True)
        return self.store

    def flush(self) -> None:
        """Write what was collected as one atomic batch; on failure keep it for the next flush."""
        self._last_flush = time.monotonic()
        batch: FlushBatch = self.aggregator.take_flush()
        if not batch or self.store is None:
            return
        try:
            self.store.apply(Batch(pairs=batch.pairs, proto_cells=batch.proto_cells))
        except NtcError as error:  # StoreWriteError (disk full ...) or a store that became unusable
            self.aggregator.restore_flush(batch)
            self.flush_error = str(error)
        else:
            self.flush_error = None


def _all_local_addresses() -> HostAddresses:
    """Every address of every local interface: a file captured here counts OUT as sent from here."""
    addresses: set[int | bytes] = set()
    for name in list_interfaces():
        info = interface_info(name)
        addresses.update(info.ipv4)
        addresses.update(info.ipv6)
    return HostAddresses(frozenset(addresses), None)


def _describe(host: HostAddresses) -> tuple[str, ...]:
    """This host's addresses as text, IPv4 first."""
    return tuple(sorted((format_address(a) for a in host.addresses), key=lambda a: (":" in a, a)))
