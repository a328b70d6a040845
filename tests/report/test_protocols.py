"""protocol_series: buckets of local or UTC time, ranges of days, one pass over the store."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.records import encode_date
from ntc_tui.report import ProtocolBucket, Resolution, day_span, protocol_series
from ntc_tui.store import Batch, Store
from tests.report.history import PROTOCOL_START, expected_protocol_cells, make_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("protocols") / "data")


@pytest.fixture
def newfoundland(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time UTC-03:30 (no DST in February), so local hours and days are not UTC's."""
    monkeypatch.setenv("TZ", "America/St_Johns")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def series(
    history: Path,
    resolution: Resolution,
    utc: bool,
    first: int | None = None,
    last: int | None = None,
) -> list[ProtocolBucket]:
    with Store.open(history, writer=False) as store:
        return protocol_series(store, first, last, resolution, utc)


def test_seconds_are_the_stored_cells(history: Path) -> None:
    buckets = series(history, Resolution.SECOND, utc=True)
    assert {(b.start, b.proto): (b.bytes, b.packets) for b in buckets} == expected_protocol_cells()
    assert buckets == sorted(buckets)


def test_utc_days_and_a_range_of_seconds(history: Path) -> None:
    day = series(history, Resolution.DAY, utc=True)
    first_day = calendar.timegm((2026, 2, 25, 0, 0, 0))
    assert [(b.start, b.proto) for b in day] == [
        (first_day, "TCP"),
        (first_day, "UDP"),
        (first_day + 86400, "ARP"),
    ]
    window = series(history, Resolution.MINUTE, True, PROTOCOL_START + 1, PROTOCOL_START + 420)
    assert [(b.start, b.proto, b.packets) for b in window] == [
        (PROTOCOL_START, "TCP", 2),
        (PROTOCOL_START + 420, "TCP", 1),
    ]


@pytest.mark.usefixtures("newfoundland")
def test_local_hours_and_days_follow_the_local_clock(history: Path) -> None:
    hours = series(history, Resolution.HOUR, utc=False)
    assert all((b.start - 1800) % 3600 == 0 for b in hours)  # local hours start at hh:30 UTC
    assert hours[0].start == PROTOCOL_START - 1800
    days = series(history, Resolution.DAY, utc=False)
    local_midnight = calendar.timegm((2026, 2, 25, 3, 30, 0))
    assert {b.start for b in days} == {local_midnight, local_midnight + 86400}
    first, last = day_span(encode_date(2026, 2, 25), encode_date(2026, 2, 25), utc=False)
    assert (first, last) == (local_midnight, local_midnight + 86399)


def test_day_span_in_utc_across_a_month_end() -> None:
    first, last = day_span(encode_date(2026, 2, 28), encode_date(2026, 2, 28), utc=True)
    assert first == calendar.timegm((2026, 2, 28, 0, 0, 0))
    assert last == calendar.timegm((2026, 3, 1, 0, 0, 0)) - 1
    assert day_span(None, None, utc=True) == (None, None)


def test_buckets_sum_across_monthly_tables(tmp_path: Path) -> None:
    end_of_january = calendar.timegm((2026, 1, 31, 23, 59, 59))
    with Store.open(tmp_path / "data", writer=True) as store:
        store.apply(
            Batch(
                proto_cells={(end_of_january, "UDP"): [10, 1], (end_of_january + 1, "UDP"): [20, 2]}
            )
        )
        assert len([stem for stem in store.stems() if stem.startswith("proto-")]) == 2
        by_day = protocol_series(store, None, None, Resolution.DAY, utc=True)
        by_hour = protocol_series(store, end_of_january, end_of_january, Resolution.HOUR, utc=True)
    assert [(b.proto, b.bytes, b.packets) for b in by_day] == [("UDP", 10, 1), ("UDP", 20, 2)]
    assert by_hour == [ProtocolBucket(end_of_january - 3599, "UDP", 10, 1)]
