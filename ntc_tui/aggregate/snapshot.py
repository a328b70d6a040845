"""Immutable views of a session for the screen, the headless summary and the session report."""

from __future__ import annotations

from dataclasses import dataclass

from ntc_tui.aggregate.rates import DirectionRates
from ntc_tui.aggregate.toplist import PairStats, SortMode
from ntc_tui.records import Address


@dataclass(frozen=True)
class DirectionTotals:
    """IN or OUT of the session: totals and rates."""

    bytes: int
    packets: int
    rates: DirectionRates


@dataclass(frozen=True)
class PairRow:
    """One (source, destination) pair of the session."""

    src: Address
    dst: Address
    bytes: int
    packets: int
    rate: float  # bytes per second: its bytes in the session's last complete second


def pair_row(stats: PairStats) -> PairRow:
    """A frozen copy of a pair's live stats."""
    return PairRow(stats.src, stats.dst, stats.bytes, stats.packets, stats.rate)


@dataclass(frozen=True)
class ProtocolRow:
    """One protocol of the session: bytes, packets and its share of all bytes."""

    name: str
    bytes: int
    packets: int
    share: float


@dataclass(frozen=True)
class Snapshot:
    """The session as of ``now`` (wall clock live, the packets' clock when replaying a file)."""

    now: float
    first_ts: float | None
    last_ts: float | None
    inbound: DirectionTotals
    outbound: DirectionTotals
    busiest: PairRow | None  # the original's "Max activity"
    busiest_reverse: PairRow | None
    top: tuple[PairRow, ...]  # rows from top_offset in the current sort
    top_offset: int
    pair_count: int
    sort: SortMode
    protocols: tuple[ProtocolRow, ...]  # by bytes, largest first
    coverage: float | None  # captured bytes / interface bytes, None without interface counters
    # packets the kernel counted as dropped on the interface (rx + tx of /proc/net/dev) during
    # the session: the NIC's and the stack's drops, not the capture's
    interface_dropped: int

    @property
    def dropped(self) -> int:
        """The interface's drops (the name of earlier versions): ``interface_dropped``."""
        return self.interface_dropped


class Coverage:
    """Captured bytes against the kernel's interface byte counters since the session started."""

    def __init__(self) -> None:
        self._base: tuple[int, int] | None = None  # (rx + tx bytes, dropped) at the first reading
        self._interface_bytes = 0
        self._captured = 0
        self.dropped = 0

    def observe(self, rx_bytes: int, tx_bytes: int, dropped: int) -> None:
        """One reading of the interface counters."""
        if self._base is None:
            self._base = (rx_bytes + tx_bytes, dropped)
        self._interface_bytes = rx_bytes + tx_bytes - self._base[0]
        self.dropped = dropped - self._base[1]

    def captured(self, nbytes: int) -> None:
        """Bytes the capture delivered (counted only once the interface is being read)."""
        if self._base is not None:
            self._captured += nbytes

    @property
    def captured_bytes(self) -> int:
        """Bytes captured since the interface counters were first read."""
        return self._captured

    @property
    def interface_bytes(self) -> int | None:
        """Bytes the interface carried since its counters were first read; None if never read."""
        return None if self._base is None else self._interface_bytes

    @property
    def ratio(self) -> float | None:
        """Captured / interface bytes; None before the interface has carried any traffic."""
        if self._base is None or self._interface_bytes <= 0:
            return None
        # a capture delivers a little after the counters move: up to a second of skew above 1
        return min(1.0, self._captured / self._interface_bytes)
