"""The history screen's data: the form's dates and interval, and the report package's pivot and
protocol series laid out for the screen (presentation only; the reading is ntc_tui.report's)."""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ntc_tui.errors import UsageError
from ntc_tui.records import format_address
from ntc_tui.report import (
    Pivot,
    PivotQuery,
    PivotRow,
    ProtocolBucket,
    Resolution,
    build_pivot,
    parse_day,
    protocol_series,
)
from ntc_tui.store import Store
from ntc_tui.ui import units

DEFAULT_CHART_SECONDS = 300
MIN_CHART_SECONDS = 60
MAX_CHART_SECONDS = 7 * 86400
PER_SECOND_UP_TO = 6 * 3600  # longer intervals are read per minute (the chart has ~100 columns)


@dataclass(frozen=True)
class HistoryQuery:
    """What the history screen shows: days first_day..last_day, a chart from ``chart_start``."""

    first_day: int  # date codes
    last_day: int
    chart_start: int  # epoch seconds
    chart_seconds: int

    @property
    def chart_resolution(self) -> Resolution:
        """Per second, or per minute for a long interval."""
        return Resolution.SECOND if self.chart_seconds <= PER_SECOND_UP_TO else Resolution.MINUTE


@dataclass(frozen=True)
class Chart:
    """Bytes of each protocol per slot of ``step`` seconds from ``start``, largest total first."""

    start: int
    seconds: int
    step: int
    series: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryResult:
    """The stored history for a query; per day the most packets one pair had (and over all
    days), so that each packets column is written one way."""

    query: HistoryQuery
    pivot: Pivot
    chart: Chart
    most_packets: dict[int, int] = field(default_factory=dict)
    most_packets_overall: int = 0


def parse_moment(text: str, utc: bool) -> int:
    """YYYY-MM-DD HH:MM[:SS] (local time, or UTC) as epoch seconds."""
    cleaned = " ".join(text.split())
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            tm = time.strptime(cleaned, pattern)
        except ValueError:
            continue
        return calendar.timegm(tm) if utc else int(time.mktime(tm))
    raise UsageError(f"{cleaned!r} is not a time: write YYYY-MM-DD HH:MM:SS")


def parse_query(first: str, last: str, start: str, seconds: str, utc: bool) -> HistoryQuery:
    """The history form's four fields as a query; UsageError naming what is wrong."""
    first_day, last_day = parse_day(first), parse_day(last)
    if last_day < first_day:
        raise UsageError("the last date comes before the first")
    try:
        length = int(seconds.strip())
    except ValueError:
        raise UsageError(f"{seconds.strip()!r} is not a number of seconds") from None
    if not 1 <= length <= MAX_CHART_SECONDS:
        raise UsageError(f"the chart covers 1 to {MAX_CHART_SECONDS} seconds")
    return HistoryQuery(first_day, last_day, parse_moment(start, utc), length)


def chart_of(buckets: Iterable[ProtocolBucket], start: int, seconds: int, step: int) -> Chart:
    """Protocol buckets placed in the chart's slots (a minute that began before ``start`` goes
    in the first slot); protocols by total volume, largest first."""
    slots = math.ceil(seconds / step)
    series: dict[str, list[int]] = {}
    for bucket in buckets:
        slot = max(0, (bucket.start - start) // step)
        if slot < slots:
            series.setdefault(bucket.proto, [0] * slots)[slot] += bucket.bytes
    ordered = dict(sorted(series.items(), key=lambda item: (-sum(item[1]), item[0])))
    return Chart(start, seconds, step, ordered)


def read_history(store: Store, query: HistoryQuery, utc: bool) -> HistoryResult:
    """The pivot over the query's days and the chart over its interval, from ``store``."""
    pivot = build_pivot(store, PivotQuery(query.first_day, query.last_day))
    resolution = query.chart_resolution
    last_second = query.chart_start + query.chart_seconds - 1
    buckets = protocol_series(store, query.chart_start, last_second, resolution, utc)
    step = 1 if resolution is Resolution.SECOND else 60
    most: dict[int, int] = {}
    for day, _, _, _, packets in pivot.records:
        if packets > most.get(day, 0):
            most[day] = packets
    return HistoryResult(
        query,
        pivot,
        chart_of(buckets, query.chart_start, query.chart_seconds, step),
        most,
        max((row.packets for row in pivot.rows), default=0),
    )


def pivot_cells(
    row: PivotRow, days: Sequence[int], counts: Sequence[Callable[[int], str]]
) -> tuple[str, ...]:
    """Source, destination, volume and packets of each of ``days``, then the totals; the
    packets of each day (and of the totals, last) written by its ``counts``."""
    cells = [format_address(row.src), format_address(row.dst)]
    for day, count in zip(days, counts, strict=False):
        nbytes, npackets = row.cells.get(day, (0, 0))
        cells += [units.volume(nbytes) if nbytes else "·", count(npackets) if npackets else "·"]
    cells += [units.volume(row.bytes), counts[-1](row.packets)]
    return tuple(cells)
