"""The pivot's data (SPEC §7): its query, its (src, dst) rows, their cells by day and by row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import groupby
from operator import itemgetter

from ntc_tui.records import Address

VOLUME_MAX = 2**63 - 1  # the stored counters saturate here (SPEC §5.4)
PACKETS_MAX = 2**32 - 1

Record = tuple[int, Address, Address, int, int]  # a stored (day, src, dst, bytes, packets)
DAY_OF, PAIR_OF, BYTES_OF, PACKETS_OF = (
    itemgetter(0),
    itemgetter(1, 2),
    itemgetter(3),
    itemgetter(4),
)


class SortKey(StrEnum):
    """Order of the pivot's rows."""

    BYTES = "bytes"  # largest volume first
    PACKETS = "packets"  # most packets first
    ADDRESS = "address"  # (src, dst), IPv4 before IPv6, as the original


@dataclass(frozen=True)
class PivotQuery:
    """Which days and pairs to report, and in which order."""

    first_day: int | None = None  # date codes (records.encode_date); None = open
    last_day: int | None = None
    ip: Address | None = None  # pairs with this address on either side
    top: int | None = None  # the N largest pairs (by packets when sorting by packets)
    sort: SortKey = SortKey.BYTES


def saturated(volume: int, packets: int) -> bool:
    """Whether a stored cell reached a counter's maximum (its true value is at least this)."""
    return volume >= VOLUME_MAX or packets >= PACKETS_MAX


@dataclass(frozen=True)
class DayCells:
    """The cells of one day: bytes and packets by row (the row's index in the pivot)."""

    day: int
    volumes: dict[int, int]
    packets: dict[int, int]

    def saturates(self) -> bool:
        """Whether a cell of the day reached a counter's maximum."""
        return max(self.volumes.values()) >= VOLUME_MAX or max(self.packets.values()) >= PACKETS_MAX


class Cells:
    """The cells of the selected rows, as stored: day by day (IPv4, then IPv6, each in key
    order), each record with the index of its row. Read by day, without a loop per cell in
    Python, or by row."""

    def __init__(self, days: list[int], records: list[Record], row_of_record: list[int]) -> None:
        self.days = days  # ascending
        self.records = records
        self.row_of_record = row_of_record
        self._rows: dict[int, dict[int, tuple[int, int]]] = {}

    def day_runs(self) -> Iterator[tuple[int, int, int]]:
        """(day, start, stop): the records[start:stop] of one day, in the order they are stored."""
        start = 0
        for day, run in groupby(map(DAY_OF, self.records)):
            stop = start + len(list(run))
            yield day, start, stop
            start = stop

    def by_day(self) -> Iterator[DayCells]:
        """Each day's cells, day by day."""
        runs: dict[int, list[tuple[int, int]]] = {day: [] for day in self.days}
        for day, start, stop in self.day_runs():
            runs[day].append((start, stop))
        for day, spans in runs.items():
            cells = DayCells(day, {}, {})
            for start, stop in spans:
                rows, records = self.row_of_record[start:stop], self.records[start:stop]
                cells.volumes.update(zip(rows, map(BYTES_OF, records), strict=True))
                cells.packets.update(zip(rows, map(PACKETS_OF, records), strict=True))
            yield cells

    @cached_property
    def _days(self) -> list[DayCells]:
        return list(self.by_day())

    def of_row(self, row: int) -> dict[int, tuple[int, int]]:
        """One row's cells: date code -> (bytes, packets); quiet days are absent.

        The history screen asks for a page of rows: the days are sorted out once, each row's
        cells when it is asked for.
        """
        cells = self._rows.get(row)
        if cells is None:
            days = (day for day in self._days if row in day.volumes)
            cells = self._rows[row] = {d.day: (d.volumes[row], d.packets[row]) for d in days}
        return cells


@dataclass(slots=True)  # not frozen: a year's report builds ~74,000 rows, frozen is 3× dearer
class PivotRow:
    """One (source, destination): bytes and packets per day, and over the whole range."""

    src: Address
    dst: Address
    bytes: int
    packets: int
    index: int  # its place in the pivot's rows
    pivot_cells: Cells = field(repr=False, compare=False)

    @property
    def cells(self) -> dict[int, tuple[int, int]]:
        """Date code -> (bytes, packets); quiet days are absent."""
        return self.pivot_cells.of_row(self.index)


@dataclass(frozen=True)
class Pivot:
    """The rows a query selected, the days they were active on, their totals, their cells."""

    query: PivotQuery
    rows: list[PivotRow]
    cells: Cells
    total_bytes: int
    total_packets: int
    matched_pairs: int  # pairs in range (and matching --ip) before --top kept some

    @property
    def days(self) -> list[int]:
        """Date codes with traffic in the selected rows, ascending."""
        return self.cells.days

    @property
    def records(self) -> list[Record]:
        """The selected rows' cells as stored (day, src, dst, bytes, packets): see Cells."""
        return self.cells.records

    def day_cells(self) -> Iterator[DayCells]:
        """Each day's cells, day by day (how the report's layouts read them)."""
        return self.cells.by_day()
