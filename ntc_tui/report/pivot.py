"""The history pivot (SPEC §7): (src, dst) rows, a bytes/packets cell per day; one range scan."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from ntc_tui.errors import UsageError
from ntc_tui.records import Address, encode_date, parse_address
from ntc_tui.report.bulk import collector_paused
from ntc_tui.store import Store

VOLUME_MAX = 2**63 - 1  # the stored counters saturate here (SPEC §5.4)
PACKETS_MAX = 2**32 - 1
DAY_PATTERN = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


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


@dataclass(frozen=True)
class PivotRow:
    """One (source, destination): bytes and packets per day, and over the whole range."""

    src: Address
    dst: Address
    cells: dict[int, tuple[int, int]]  # date code -> (bytes, packets); quiet days are absent
    bytes: int
    packets: int


@dataclass(frozen=True)
class Pivot:
    """The rows a query selected, the days they were active on, their totals."""

    query: PivotQuery
    days: list[int]  # date codes with traffic in the selected rows, ascending
    rows: list[PivotRow]
    total_bytes: int
    total_packets: int
    matched_pairs: int = 0  # pairs in range (and matching --ip) before --top kept some


def saturated(volume: int, packets: int) -> bool:
    """Whether a stored cell reached a counter's maximum (its true value is at least this)."""
    return volume >= VOLUME_MAX or packets >= PACKETS_MAX


def parse_day(text: str) -> int:
    """The date code of a "YYYY-MM-DD" date; UsageError (exit 2) if it is not one."""
    match = DAY_PATTERN.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = (int(part) for part in match.groups())
        datetime.date(year, month, day)
    except ValueError:
        raise UsageError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None
    return encode_date(year, month, day)


def parse_ip(text: str) -> Address:
    """An IPv4 or IPv6 address given on the command line; UsageError (exit 2) if it is not one."""
    try:
        return parse_address(text.strip())
    except ValueError:
        raise UsageError(f"{text!r} is not an IPv4 or IPv6 address") from None


def address_order(row: PivotRow) -> tuple[int, Address, Address]:
    """Sort key of a row: IPv4 before IPv6, then by source and destination (as the original)."""
    return (4 if isinstance(row.src, int) else 6), row.src, row.dst


def _gather(store: Store, query: PivotQuery) -> tuple[list[PivotRow], set[int]]:
    """One range scan over both connection stores: each pair's day cells and totals; the days."""
    scanned = list(store.connections(query.first_day, query.last_day))  # then a tight loop
    cells_of: dict[tuple[Address, Address], dict[int, tuple[int, int]]] = {}
    days: set[int] = set()
    ip = query.ip
    for day, src, dst, volume, packets in scanned:
        if ip is not None and ip not in (src, dst):
            continue
        pair = (src, dst)
        cells = cells_of.get(pair)
        if cells is None:
            cells = cells_of[pair] = {}
        cells[day] = (volume, packets)
        days.add(day)
    rows = []
    for (src, dst), cells in cells_of.items():
        volume_column, packet_column = zip(*cells.values(), strict=True)
        rows.append(PivotRow(src, dst, cells, sum(volume_column), sum(packet_column)))
    return rows, days


def _order(rows: list[PivotRow], query: PivotQuery) -> list[PivotRow]:
    """Rows in the query's order; with --top, the largest (by packets if sorted so) only."""
    ordered = sorted(rows, key=address_order)
    if query.sort is SortKey.ADDRESS and query.top is None:
        return ordered
    primary, secondary = (
        ("packets", "bytes") if query.sort is SortKey.PACKETS else ("bytes", "packets")
    )
    ordered.sort(key=attrgetter(secondary), reverse=True)  # stable: ties keep address order
    ordered.sort(key=attrgetter(primary), reverse=True)
    if query.top is not None:
        del ordered[query.top :]
    if query.sort is SortKey.ADDRESS:
        ordered.sort(key=address_order)
    return ordered


def build_pivot(store: Store, query: PivotQuery) -> Pivot:
    """The pivot of ``query`` over the IPv4 and IPv6 stores, by one range scan of each."""
    with collector_paused():
        gathered, days = _gather(store, query)
        rows = _order(gathered, query)
        if len(rows) < len(gathered):  # --top left some out: their days may have gone too
            days = {day for row in rows for day in row.cells}
    return Pivot(
        query=query,
        days=sorted(days),
        rows=rows,
        total_bytes=sum(row.bytes for row in rows),
        total_packets=sum(row.packets for row in rows),
        matched_pairs=len(gathered),
    )
