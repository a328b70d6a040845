"""The live session's counters: folds capture batches each tick, hands per-day data to storage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ntc_tui.aggregate.rates import RateHistory
from ntc_tui.aggregate.snapshot import (
    Coverage,
    DirectionTotals,
    ProtocolRow,
    Snapshot,
    pair_row,
)
from ntc_tui.aggregate.tally import (
    IN_BYTES,
    IN_PACKETS,
    OUT_BYTES,
    OUT_PACKETS,
    HostAddresses,
    PairDayKey,
    PairSecondKey,
    ProtoCellKey,
    Tally,
    add_counts,
)
from ntc_tui.aggregate.toplist import Pair, PairTable, SortMode
from ntc_tui.records import DayCalendar, PacketRecord


@dataclass
class FlushBatch:
    """What a flush hands to storage: per-day pairs and per-second protocol cells since the last."""

    pairs: dict[PairDayKey, list[int]] = field(default_factory=dict)  # -> [bytes, packets]
    proto_cells: dict[ProtoCellKey, list[int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.pairs or self.proto_cells)

    def merge(self, other: FlushBatch) -> None:
        """Add another batch's counts into this one."""
        add_counts(self.pairs, other.pairs)
        add_counts(self.proto_cells, other.proto_cells)


class Aggregator:
    """Session state fed by capture batches; ``tick`` (about once a second) makes it visible.

    Pure: time is passed in, nothing is read from the clock or the system.
    """

    def __init__(
        self, host: HostAddresses, *, utc: bool = False, mode: SortMode = SortMode.BYTES
    ) -> None:
        self.host = host
        self.calendar = DayCalendar(utc)
        self._pending = self._new_tally()
        self.pairs = PairTable(mode)
        self.day_pairs: dict[PairDayKey, list[int]] = {}  # the session's, for its report
        self.protocols: dict[str, list[int]] = {}  # session totals per protocol name
        self.history = RateHistory()
        self.totals = [0, 0, 0, 0]  # IN bytes, IN packets, OUT bytes, OUT packets
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.clock: float | None = None  # the session time of the last tick: what is visible
        # bytes per pair of the seconds from the last complete one on (for the pairs' rates)
        self._pair_seconds: dict[int, dict[Pair, int]] = {}
        self._rated_second = 0  # the last complete second at the last tick
        self.persisting = False
        self._unflushed = FlushBatch()
        self.coverage = Coverage()

    def _new_tally(self) -> Tally:
        return Tally(self.calendar, self.host, per_second=True)

    # --- input ---------------------------------------------------------------------------------

    def add(self, records: Iterable[PacketRecord]) -> None:
        """Count a capture batch; it becomes visible at the next tick."""
        self._pending.add(records)

    def set_host(self, host: HostAddresses) -> None:
        """This host's addresses changed (a new IPv6 temporary address, DHCP): direction follows
        them from the records not yet counted on."""
        self.host = host
        self._pending.host = host

    def observe_interface(self, rx_bytes: int, tx_bytes: int, dropped: int) -> None:
        """The kernel's interface counters, read about once a second (coverage and drops)."""
        self.coverage.observe(rx_bytes, tx_bytes, dropped)

    def tick(self, now: float) -> None:
        """Fold what arrived since the last tick and make the session visible as of ``now`` (the
        session clock): rates are those of the last complete second before it."""
        pending, self._pending = self._pending, self._new_tally()
        self.clock = now
        if pending:
            self._fold(pending)
        self._rate_pairs(int(now) - 1)
        self.history.release(now)

    def _fold(self, pending: Tally) -> None:
        first, last = pending.first_ts, pending.last_ts
        assert first is not None and last is not None  # a non-empty tally has both
        self.first_ts = first if self.first_ts is None else min(self.first_ts, first)
        self.last_ts = last if self.last_ts is None else max(self.last_ts, last)
        totals = self.totals
        for counts in pending.seconds.values():
            for i in (IN_BYTES, IN_PACKETS, OUT_BYTES, OUT_PACKETS):
                totals[i] += counts[i]
        self.history.add(pending.seconds)
        self.coverage.captured(pending.bytes)
        self._per_day(pending.pair_seconds, self._unflushed.pairs if self.persisting else None)
        self.pairs.add(
            (src, dst, nbytes, npackets)
            for (_, src, dst), (nbytes, npackets) in pending.pair_seconds.items()
        )
        protocols = self.protocols
        for (_, name), (nbytes, npackets) in pending.proto_cells.items():
            counts = protocols.setdefault(name, [0, 0])
            counts[0] += nbytes
            counts[1] += npackets
        if self.persisting:
            add_counts(self._unflushed.proto_cells, pending.proto_cells)

    def _per_day(
        self,
        pair_seconds: dict[PairSecondKey, list[int]],
        flushing: dict[PairDayKey, list[int]] | None,
    ) -> None:
        """Add a tally's per-second pair counts to the session's per-day pairs (and to those
        waiting for the next flush); keep the seconds still to be rated for the pairs' rates."""
        day_of = self.calendar.code
        recent, oldest = self._pair_seconds, self._rated_second
        targets = (self.day_pairs,) if flushing is None else (self.day_pairs, flushing)
        current, day = -1, 0
        rated: dict[Pair, int] | None = None
        # keys come in the order the records did: grouped by second, nearly always
        for (second, src, dst), (nbytes, npackets) in pair_seconds.items():
            if second != current:
                current, day = second, day_of(second)
                rated = recent.setdefault(second, {}) if second >= oldest else None
            key = (day, src, dst)
            for day_pairs in targets:
                counts = day_pairs.get(key)
                if counts is None:
                    day_pairs[key] = [nbytes, npackets]
                else:
                    counts[0] += nbytes
                    counts[1] += npackets
            if rated is not None:
                pair = (src, dst)
                rated[pair] = rated.get(pair, 0) + nbytes

    def _rate_pairs(self, complete: int) -> None:
        """Pair rates are their bytes in the last complete second, as the totals' current rate;
        the seconds before it are no longer needed."""
        self.pairs.set_rates(self._pair_seconds.get(complete, {}))
        for second in [s for s in self._pair_seconds if s < complete]:
            del self._pair_seconds[second]
        self._rated_second = max(self._rated_second, complete)

    # --- persistence ---------------------------------------------------------------------------

    def set_persisting(self, on: bool) -> None:
        """Collect for storage from the next tick on (on), or stop collecting (off)."""
        self.persisting = on

    def take_flush(self) -> FlushBatch:
        """What was collected for storage since the last flush; ``restore_flush`` it on failure."""
        batch, self._unflushed = self._unflushed, FlushBatch()
        return batch

    def restore_flush(self, batch: FlushBatch) -> None:
        """Keep a batch storage refused: the next flush carries it, nothing lost or doubled."""
        batch.merge(self._unflushed)
        self._unflushed = batch

    @property
    def unflushed(self) -> bool:
        """Whether counts are waiting for the next flush."""
        return bool(self._unflushed)

    # --- output --------------------------------------------------------------------------------

    def set_sort(self, mode: SortMode) -> None:
        """Rank the top table by ``mode``."""
        self.pairs.set_mode(mode)

    def snapshot(self, now: float, offset: int = 0, limit: int = 20) -> Snapshot:
        """An immutable view of the session for the screen, the headless summary and the report,
        as of ``now`` (the session clock; the last tick's ``clock`` shows what was folded)."""
        rates_in, rates_out = self.history.rates(now)
        busiest = self.pairs.busiest
        reverse = self.pairs.get(busiest.dst, busiest.src) if busiest else None
        total_bytes = sum(counts[0] for counts in self.protocols.values())
        protocols = tuple(
            ProtocolRow(name, nbytes, npackets, nbytes / total_bytes if total_bytes else 0.0)
            for name, (nbytes, npackets) in sorted(
                self.protocols.items(), key=lambda item: (-item[1][0], item[0])
            )
        )
        return Snapshot(
            now=now,
            first_ts=self.first_ts,
            last_ts=self.last_ts,
            inbound=DirectionTotals(self.totals[IN_BYTES], self.totals[IN_PACKETS], rates_in),
            outbound=DirectionTotals(self.totals[OUT_BYTES], self.totals[OUT_PACKETS], rates_out),
            busiest=pair_row(busiest) if busiest else None,
            busiest_reverse=pair_row(reverse) if reverse else None,
            top=tuple(pair_row(stats) for stats in self.pairs.rows(offset, limit)),
            top_offset=offset,
            pair_count=len(self.pairs),
            sort=self.pairs.mode,
            protocols=protocols,
            coverage=self.coverage.ratio,
            interface_dropped=self.coverage.dropped,
        )
