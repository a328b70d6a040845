"""Protocol statistics over time: the per-second store summed by second, minute, hour or day."""

from __future__ import annotations

import calendar
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple, TypeVar

from ntc_tui.records import decode_date
from ntc_tui.report.bulk import collector_paused
from ntc_tui.store import Store

Key = TypeVar("Key", bound=Hashable)


class Resolution(StrEnum):
    """Width of one bucket of the series."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


class ProtocolBucket(NamedTuple):
    """Bytes and packets of one protocol in the bucket that starts at epoch second ``start``."""

    start: int
    proto: str
    bytes: int
    packets: int


LABEL_FORMATS = {
    Resolution.SECOND: "%Y-%m-%d %H:%M:%S",
    Resolution.MINUTE: "%Y-%m-%d %H:%M",
    Resolution.HOUR: "%Y-%m-%d %H:00",
    Resolution.DAY: "%Y-%m-%d",
}
_KEPT_FIELDS = {Resolution.MINUTE: 5, Resolution.HOUR: 4, Resolution.DAY: 3}  # of (Y, m, d, H, M)


def _epoch(fields: Sequence[int], utc: bool) -> int:
    """Epoch second of a calendar time (Y, m, d[, H[, M]]; the rest zero), local or UTC."""
    year, month, day, hour, minute = (*fields, 0, 0)[:5]
    if utc:
        return calendar.timegm((year, month, day, hour, minute, 0))  # normalises an overflow
    return int(time.mktime((year, month, day, hour, minute, 0, 0, 0, -1)))


class BucketClock:
    """Start of the bucket holding an epoch second, caching the current bucket's span."""

    def __init__(self, resolution: Resolution, utc: bool) -> None:
        self.resolution = resolution
        self.utc = utc
        self._start = 1
        self._end = 0  # empty span: the first call fills it

    def start_of(self, second: int) -> int:
        """The bucket's first second."""
        if self.resolution is Resolution.SECOND:
            return second
        if not self._start <= second < self._end:
            self._fill(second)
        return self._start

    def _fill(self, second: int) -> None:
        tm = time.gmtime(second) if self.utc else time.localtime(second)
        kept = _KEPT_FIELDS[self.resolution]
        fields = list(tm[:kept])
        self._start = _epoch(fields, self.utc)
        fields[-1] += 1  # minute 60, hour 24, day 32: both clocks normalise the overflow
        self._end = _epoch(fields, self.utc)


def label(start: int, resolution: Resolution, utc: bool) -> str:
    """A bucket's start as a person reads it at that resolution."""
    return time.strftime(
        LABEL_FORMATS[resolution], time.gmtime(start) if utc else time.localtime(start)
    )


def day_span(
    first_day: int | None, last_day: int | None, utc: bool
) -> tuple[int | None, int | None]:
    """The first and last epoch second of a range of date codes (local days, or UTC days)."""
    first = None if first_day is None else _epoch(decode_date(first_day), utc)
    if last_day is None:
        return first, None
    year, month, day = decode_date(last_day)
    return first, _epoch((year, month, day + 1), utc) - 1


def protocol_series(
    store: Store,
    first_second: int | None,
    last_second: int | None,
    resolution: Resolution,
    utc: bool,
) -> list[ProtocolBucket]:
    """Bytes and packets per bucket and protocol, by bucket then protocol name; one range scan."""
    clock = BucketClock(resolution, utc)
    with collector_paused():
        cells = store.protocol_cells(first_second, last_second)
        sums = _sum_by(((clock.start_of(c.second), c.proto), c.bytes, c.packets) for c in cells)
    return [
        ProtocolBucket(start, proto, volume, packets)
        for (start, proto), (volume, packets) in sorted(sums.items())
    ]


def protocol_totals(series: list[ProtocolBucket]) -> list[tuple[str, int, int]]:
    """(protocol, bytes, packets) over a series, largest volume first."""
    totals = _sum_by((bucket.proto, bucket.bytes, bucket.packets) for bucket in series)
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return [(proto, volume, packets) for proto, (volume, packets) in ordered]


def _sum_by(items: Iterable[tuple[Key, int, int]]) -> dict[Key, tuple[int, int]]:
    """(key, bytes, packets) items summed per key, keys in the order first seen."""
    volumes: defaultdict[Key, int] = defaultdict(int)
    packets: defaultdict[Key, int] = defaultdict(int)
    for key, volume, count in items:
        volumes[key] += volume
        packets[key] += count
    return {key: (volume, packets[key]) for key, volume in volumes.items()}
