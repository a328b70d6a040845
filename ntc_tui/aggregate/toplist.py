"""Session totals per (source, destination) pair, ranked by bytes, packets or rate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum

from sortedcontainers import SortedList

from ntc_tui.records import Address

NUMBER_BITS = 32  # pairs are numbered below 2**32 in order of appearance
NUMBER_MASK = (1 << NUMBER_BITS) - 1
RATE_SCALE = 1000  # rates rank at a resolution of 1/1000 byte per second


class SortMode(StrEnum):
    """What the top-connections table ranks by."""

    BYTES = "bytes"
    PACKETS = "packets"
    RATE = "rate"

    def next(self) -> SortMode:
        """The mode after this one (the dashboard's `s` key cycles them)."""
        modes = list(SortMode)
        return modes[(modes.index(self) + 1) % len(modes)]


class PairStats:
    """One pair's session totals and its rate over the last complete packet-time second."""

    __slots__ = ("bytes", "dst", "number", "packets", "rate", "src")

    def __init__(self, number: int, src: Address, dst: Address) -> None:
        self.number = (
            number  # order of first appearance: a tie-breaker that compares across families
        )
        self.src = src
        self.dst = dst
        self.bytes = 0
        self.packets = 0
        self.rate = 0.0

    def rank(self, mode: SortMode) -> int:
        """Sort key, larger values first and then first seen first, packed in one int (fast to
        compare): the negated measure above 32 bits, the order of appearance below."""
        if mode is SortMode.BYTES:
            value = self.bytes
        elif mode is SortMode.PACKETS:
            value = self.packets
        else:
            value = int(self.rate * RATE_SCALE)
        return (-value << NUMBER_BITS) + self.number


Pair = tuple[Address, Address]  # (source, destination)


class PairTable:
    """Every pair of the session; O(log n) per changed pair per tick, never a scan per packet.

    Only the active sort mode keeps a ranked index; switching modes rebuilds it once.
    """

    def __init__(self, mode: SortMode = SortMode.BYTES) -> None:
        self._pairs: dict[Pair, PairStats] = {}
        self._by_number: list[PairStats] = []
        self._mode = mode
        self._ranked: SortedList = SortedList()  # of rank keys (PairStats.rank)
        self._rated: set[PairStats] = set()  # pairs with a non-zero rate
        self.busiest: PairStats | None = None  # by bytes: counts only grow, so O(1) to keep

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def mode(self) -> SortMode:
        return self._mode

    def get(self, src: Address, dst: Address) -> PairStats | None:
        """The stats of one direction of a pair, if it was seen."""
        return self._pairs.get((src, dst))

    def add(self, deltas: Iterable[tuple[Address, Address, int, int]]) -> None:
        """Add a tick's bytes and packets per pair (a pair may come more than once)."""
        ranked, mode = self._ranked, self._mode
        reranked = mode is not SortMode.RATE  # a rate ranking does not move with the totals
        touched: set[PairStats] = set()
        for src, dst, nbytes, npackets in deltas:
            stats = self._pairs.get((src, dst))
            if stats is None:
                stats = self._pairs[src, dst] = PairStats(len(self._by_number), src, dst)
                self._by_number.append(stats)
                touched.add(stats)
            elif reranked and stats not in touched:
                ranked.remove(stats.rank(mode))
                touched.add(stats)
            stats.bytes += nbytes
            stats.packets += npackets
            if self.busiest is None or stats.bytes > self.busiest.bytes:
                self.busiest = stats
        ranked.update(stats.rank(mode) for stats in touched)

    def set_rates(self, rates: Mapping[Pair, float]) -> None:
        """Each pair's rate from now on: ``rates``' bytes per second, 0 for pairs not in it."""
        ranked, mode = self._ranked, self._mode
        rated: set[PairStats] = set()
        changes: list[tuple[PairStats, float]] = []
        for pair, rate in rates.items():
            stats = self._pairs[pair]
            if rate:
                rated.add(stats)
            if stats.rate != rate:
                changes.append((stats, rate))
        changes += ((stats, 0.0) for stats in self._rated - rated)
        for stats, rate in changes:
            if mode is SortMode.RATE:
                ranked.remove(stats.rank(mode))
            stats.rate = rate
            if mode is SortMode.RATE:
                ranked.add(stats.rank(mode))
        self._rated = rated

    def set_mode(self, mode: SortMode) -> None:
        """Rank by another measure from now on."""
        if mode is not self._mode:
            self._mode = mode
            self._ranked = SortedList(s.rank(mode) for s in self._by_number)

    def rows(self, offset: int, limit: int) -> Iterator[PairStats]:
        """``limit`` pairs from rank ``offset`` (0 is the top) in the current mode."""
        by_number = self._by_number
        for key in self._ranked.islice(offset, offset + limit):
            yield by_number[key & NUMBER_MASK]
