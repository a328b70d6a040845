"""Building the history pivot (SPEC §7): one range scan, pairs summed and ordered."""

from __future__ import annotations

import datetime
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import neg
from typing import Any

from ntc_tui.errors import UsageError
from ntc_tui.records import Address, encode_date, parse_address
from ntc_tui.report.bulk import collector_paused
from ntc_tui.report.pivotdata import (
    DAY_OF,
    PAIR_OF,
    Cells,
    Pivot,
    PivotQuery,
    PivotRow,
    Record,
    SortKey,
)
from ntc_tui.store import Store

DAY_PATTERN = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


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


def address_order(pair: tuple[Address, Address]) -> tuple[int, Address, Address]:
    """Sort key of a (src, dst): IPv4 before IPv6, then by source and destination (as the
    original)."""
    src, dst = pair
    return (4 if isinstance(src, int) else 6), src, dst


@dataclass
class _Gathered:
    """The records a query matched, each one's pair number, and each pair's totals."""

    records: list[Record]
    pair_of_record: list[int]
    pairs: list[tuple[Address, Address]]
    volumes: list[int]
    packets: list[int]


def _gather(store: Store, query: PivotQuery) -> _Gathered:
    """One range scan over both connection stores: pairs numbered as first met, and summed."""
    records: list[Record] = list(store.connections(query.first_day, query.last_day))
    ip = query.ip
    if ip is not None:
        records = [record for record in records if ip == record[1] or ip == record[2]]
    numbers: dict[tuple[Address, Address], int] = {}
    number_of = numbers.setdefault
    pair_of_record = [number_of(pair, len(numbers)) for pair in map(PAIR_OF, records)]
    volumes, packets = [0] * len(numbers), [0] * len(numbers)
    for pair, (_, _, _, volume, count) in zip(pair_of_record, records, strict=True):
        volumes[pair] += volume
        packets[pair] += count
    return _Gathered(records, pair_of_record, list(numbers), volumes, packets)


def _order(gathered: _Gathered, query: PivotQuery) -> list[int]:
    """Pair numbers in the query's order; with --top, the largest (by packets if sorted so)."""
    pairs = gathered.pairs

    def by_address(number: int) -> tuple[int, Address, Address]:
        return address_order(pairs[number])

    if query.sort is SortKey.ADDRESS and query.top is None:
        return sorted(range(len(pairs)), key=by_address)
    primary, secondary = gathered.volumes, gathered.packets
    if query.sort is SortKey.PACKETS:
        primary, secondary = secondary, primary
    ordered = sorted(range(len(pairs)), key=primary.__getitem__, reverse=True)
    if len(set(primary)) < len(primary):  # ties (few by bytes): by the other count, by address

        def tie_order(number: int) -> tuple[int, int, Address, Address]:
            return (-secondary[number], *by_address(number))

        _sort_ties(ordered, primary, tie_order)
    if query.top is not None:
        del ordered[query.top :]
        if query.sort is SortKey.ADDRESS:
            ordered.sort(key=by_address)
    return ordered


def _sort_ties(
    ordered: list[int], key: Sequence[int], tie_order: Callable[[int], tuple[Any, ...]]
) -> None:
    """Sort each run of ``ordered`` (by ``key``, largest first) with equal keys by ``tie_order``,
    in place; the runs are found from the values that occur more than once."""
    keys = list(map(key.__getitem__, ordered))
    for value, times in Counter(key).items():
        if times > 1:
            start = bisect_left(keys, -value, key=neg)
            ordered[start : start + times] = sorted(ordered[start : start + times], key=tie_order)


def build_pivot(store: Store, query: PivotQuery) -> Pivot:
    """The pivot of ``query`` over the IPv4 and IPv6 stores, by one range scan of each."""
    with collector_paused():
        gathered = _gather(store, query)
        ordered = _order(gathered, query)
        row_of_pair = [-1] * len(gathered.pairs)
        for row, pair in enumerate(ordered):
            row_of_pair[pair] = row
        records = gathered.records
        row_of_record = list(map(row_of_pair.__getitem__, gathered.pair_of_record))
        if len(ordered) < len(gathered.pairs):  # --top left pairs out, and maybe days
            kept = [row >= 0 for row in row_of_record]
            records = list(compress(records, kept))
            row_of_record = list(compress(row_of_record, kept))
        cells = Cells(sorted(set(map(DAY_OF, records))), records, row_of_record)
        made = [  # in the order of the pairs' numbers, then put in order: the cheaper way round
            PivotRow(src, dst, volume, packets, row, cells)
            for (src, dst), volume, packets, row in zip(
                gathered.pairs, gathered.volumes, gathered.packets, row_of_pair, strict=True
            )
        ]
        rows = list(map(made.__getitem__, ordered))
    return Pivot(
        query=query,
        rows=rows,
        cells=cells,
        total_bytes=sum(map(gathered.volumes.__getitem__, ordered)),
        total_packets=sum(map(gathered.packets.__getitem__, ordered)),
        matched_pairs=len(gathered.pairs),
    )
