"""The history screen's pure parts: the form's values, and what it reads from a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.errors import UsageError
from ntc_tui.records import encode_date, parse_address
from ntc_tui.store import Batch, Store
from ntc_tui.ui import units
from ntc_tui.ui.historymodel import HistoryQuery, parse_query, pivot_cells, read_history

A, B, C = (parse_address(f"10.9.0.{i}") for i in (1, 2, 3))
V6 = parse_address("2001:db8::9")
DAY1, DAY2, DAY3 = (encode_date(2025, 6, d) for d in (14, 15, 16))
T = 1_750_000_000  # 2025-06-15 15:06:40 UTC


def test_the_form_becomes_a_query() -> None:
    query = parse_query("2025-06-14", " 2025-06-15 ", "2025-06-15 15:06:40", "300", utc=True)
    assert query == HistoryQuery(DAY1, DAY2, T, 300)
    assert (
        parse_query("2025-06-14", "2025-06-14", "2025-06-15 15:06", "60", utc=True).chart_start
        == T - 40
    )
    assert units.moment_text(T, utc=True) == "2025-06-15 15:06:40"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("2025-6-40", "2025-06-15", "2025-06-15 15:06:40", "300"), "is not a date"),
        (("2025-06-15", "2025-06-14", "2025-06-15 15:06:40", "300"), "comes before"),
        (("2025-06-14", "2025-06-15", "yesterday", "300"), "is not a time"),
        (("2025-06-14", "2025-06-15", "2025-06-15 15:06:40", "five"), "not a number"),
        (("2025-06-14", "2025-06-15", "2025-06-15 15:06:40", "0"), "1 to"),
    ],
)
def test_bad_form_values_say_what_is_wrong(fields: tuple[str, str, str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_query(*fields, utc=True)


def test_read_history_pivots_days_and_charts_seconds(tmp_path: Path) -> None:
    with Store.open(tmp_path, writer=True) as store:
        store.apply(
            Batch(
                pairs={
                    (DAY1, A, B): [1000, 10],
                    (DAY2, A, B): [500, 5],
                    (DAY2, B, C): [9000, 3],
                    (DAY3, A, C): [7, 1],  # outside the dates asked
                    (DAY2, V6, V6): [40, 1],
                },
                proto_cells={
                    (T, "TCP"): [100, 1],
                    (T + 2, "TCP"): [300, 2],
                    (T + 1, "UDP"): [50, 1],
                    (T + 10, "UDP"): [999, 9],  # after the interval
                },
            )
        )
        result = read_history(store, HistoryQuery(DAY1, DAY2, T, 5), utc=True)
        long = read_history(store, HistoryQuery(DAY1, DAY2, T - 40, 7 * 3600), utc=True)
    pivot = result.pivot
    assert pivot.days == [DAY1, DAY2]
    assert [(r.src, r.dst, r.bytes, r.packets) for r in pivot.rows] == [
        (B, C, 9000, 3),
        (A, B, 1500, 15),
        (V6, V6, 40, 1),
    ]
    assert result.chart.step == 1
    assert result.chart.series == {"TCP": [100, 0, 300, 0, 0], "UDP": [0, 50, 0, 0, 0]}
    assert result.most_packets == {DAY1: 10, DAY2: 5} and result.most_packets_overall == 15
    counts = [units.count] * 3
    cells = pivot_cells(pivot.rows[1], pivot.days, counts)
    assert cells == ("10.9.0.1", "10.9.0.2", "1.00 kB", "10", "500 B", "5", "1.50 kB", "15")
    assert pivot_cells(pivot.rows[0], pivot.days, counts)[2:4] == ("·", "·")
    # a long interval is read per minute: T - 40 starts a minute, so T..T+10 is its first slot
    assert long.chart.step == 60 and len(long.chart.series["TCP"]) == 7 * 60
    assert long.chart.series["TCP"][0] == 400 and long.chart.series["UDP"][0] == 1049
