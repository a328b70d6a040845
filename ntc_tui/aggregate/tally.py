"""Folds packet records into bytes and packets per direction-second, day-pair, second-protocol."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ntc_tui.records import Address, DayCalendar, PacketRecord

PairDayKey = tuple[
    int, Address, Address
]  # (date code, src, dst); the address type gives the family
PairSecondKey = tuple[int, Address, Address]  # (epoch second, src, dst)
ProtoCellKey = tuple[int, str]  # (epoch second, SPEC §3 protocol name)

Key = TypeVar("Key")

# Indexes into a direction-second bin: [in bytes, in packets, out bytes, out packets].
IN_BYTES, IN_PACKETS, OUT_BYTES, OUT_PACKETS = range(4)
# Source addresses of a host that has no address yet (DHCP discover, DAD): OUT by its MAC.
UNSPECIFIED_ADDRESSES: frozenset[Address] = frozenset({0, bytes(16)})
_NO_MAC = object()  # what the MAC of a host without one compares with: no record's


@dataclass(frozen=True)
class HostAddresses:
    """This host's addresses on the watched interface: a frame from one of them is OUT (SPEC §3)."""

    addresses: frozenset[Address]  # every IPv4 (int) and IPv6 (16 bytes) address
    mac: str | None  # lower-case, as records carry it


class Tally:
    """Counts a run of records; the aggregator keeps one per tick, the importer one per chunk.

    Pairs are counted per day in ``pairs``, or with ``per_second`` per epoch second in
    ``pair_seconds`` (the aggregator's, for pair rates; a second lies in one day).
    """

    def __init__(
        self, calendar: DayCalendar, host: HostAddresses | None = None, per_second: bool = False
    ) -> None:
        self.calendar = calendar
        self.host = host
        self.per_second = per_second
        self.pairs: dict[PairDayKey, list[int]] = {}  # -> [bytes, packets]
        self.pair_seconds: dict[PairSecondKey, list[int]] = {}  # -> [bytes, packets]
        self.proto_cells: dict[ProtoCellKey, list[int]] = {}  # -> [bytes, packets]
        self.seconds: dict[int, list[int]] = {}  # epoch second -> direction bin (host known only)
        self.packets = 0
        self.bytes = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None

    def __bool__(self) -> bool:
        return self.packets > 0

    def add(self, records: Iterable[PacketRecord]) -> None:
        """Count every record at its full length, under its pair and its second's protocol.

        Direction (with a host): an IP frame is OUT if its source address is the host's, or is
        unspecified and its MAC the host's; a frame without IP by its MAC alone (SPEC §3).
        """
        per_second = self.per_second
        pairs = self.pair_seconds if per_second else self.pairs
        cells, seconds = self.proto_cells, self.seconds
        day_of = self.calendar.code
        host = self.host
        ours = host.addresses if host else frozenset()
        our_mac: object = host.mac if host and host.mac else _NO_MAC
        unspecified = UNSPECIFIED_ADDRESSES
        packets = nbytes = 0
        first: float | None = None
        last: float | None = None
        bin_second = -1
        direction_bin: list[int] = []
        for ts, length, family, src, dst, proto, src_mac in records:
            if first is None:
                first = ts
            last = ts
            packets += 1
            nbytes += length
            second = int(ts)
            if family:
                key = (second if per_second else day_of(ts), src, dst)
                counts = pairs.get(key)  # type: ignore[arg-type]  # family set: src, dst present
                if counts is None:
                    pairs[key] = [length, 1]  # type: ignore[index]
                else:
                    counts[0] += length
                    counts[1] += 1
            cell = cells.get((second, proto))
            if cell is None:
                cells[second, proto] = [length, 1]
            else:
                cell[0] += length
                cell[1] += 1
            if host is not None:
                if second != bin_second:
                    bin_second = second
                    direction_bin = seconds.setdefault(second, [0, 0, 0, 0])
                if (
                    (src in ours or (src in unspecified and src_mac == our_mac))
                    if family
                    else src_mac == our_mac
                ):
                    direction_bin[OUT_BYTES] += length
                    direction_bin[OUT_PACKETS] += 1
                else:
                    direction_bin[IN_BYTES] += length
                    direction_bin[IN_PACKETS] += 1
        self.packets += packets
        self.bytes += nbytes
        if first is not None and last is not None:
            self.first_ts = first if self.first_ts is None else min(self.first_ts, first)
            self.last_ts = last if self.last_ts is None else max(self.last_ts, last)


def add_counts(target: dict[Key, list[int]], source: Mapping[Key, Sequence[int]]) -> None:
    """Add [bytes, packets] counts of ``source`` into ``target``, key by key."""
    for key, (nbytes, npackets) in source.items():
        counts = target.get(key)
        if counts is None:
            target[key] = [nbytes, npackets]
        else:
            counts[0] += nbytes
            counts[1] += npackets
