"""build_pivot over a stored history: ranges, --ip on either side, --top, the three sort orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.errors import UsageError
from ntc_tui.records import encode_date, parse_address
from ntc_tui.report import PivotQuery, SortKey, build_pivot, parse_day, parse_ip
from ntc_tui.store import Batch, Store
from tests.report.history import A4, A6, B4, B6, C4, D4, DAYS, E4, F4, expected_cells, make_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("report") / "data")


def pivot_of(
    history: Path, **query: object
) -> dict[tuple[object, object], dict[int, tuple[int, int]]]:
    with Store.open(history, writer=False) as store:
        pivot = build_pivot(store, PivotQuery(**query))  # type: ignore[arg-type]
    return {(row.src, row.dst): row.cells for row in pivot.rows}


def test_every_stored_cell_once_with_row_totals_and_days(history: Path) -> None:
    with Store.open(history, writer=False) as store:
        pivot = build_pivot(store, PivotQuery())
    cells = {(day, row.src, row.dst): cell for row in pivot.rows for day, cell in row.cells.items()}
    assert cells == expected_cells()
    assert pivot.days == DAYS
    for row in pivot.rows:
        assert row.bytes == sum(cell[0] for cell in row.cells.values())
        assert row.packets == sum(cell[1] for cell in row.cells.values())
    assert pivot.total_bytes == sum(cell[0] for cell in expected_cells().values())
    assert pivot.matched_pairs == len(pivot.rows) == 5


def test_a_date_range_keeps_only_its_days(history: Path) -> None:
    with Store.open(history, writer=False) as store:
        pivot = build_pivot(store, PivotQuery(first_day=DAYS[1], last_day=DAYS[3]))
    assert pivot.days == DAYS[1:4]
    assert {(row.src, row.dst) for row in pivot.rows} == {(A4, B4), (B4, A4), (A6, B6), (E4, F4)}
    assert all(set(row.cells) <= set(DAYS[1:4]) for row in pivot.rows)


def test_ip_matches_either_side_of_either_family(history: Path) -> None:
    assert set(pivot_of(history, ip=B4)) == {(A4, B4), (B4, A4)}
    assert set(pivot_of(history, ip=D4)) == {(C4, D4)}
    assert set(pivot_of(history, ip=B6)) == {(A6, B6)}
    assert pivot_of(history, ip=parse_address("10.9.9.9")) == {}


def test_sort_orders_and_top(history: Path) -> None:
    with Store.open(history, writer=False) as store:
        by_bytes = build_pivot(store, PivotQuery(sort=SortKey.BYTES)).rows
        by_packets = build_pivot(store, PivotQuery(sort=SortKey.PACKETS)).rows
        by_address = build_pivot(store, PivotQuery(sort=SortKey.ADDRESS)).rows
        top2_address = build_pivot(store, PivotQuery(sort=SortKey.ADDRESS, top=2))
    assert [row.bytes for row in by_bytes] == sorted((row.bytes for row in by_bytes), reverse=True)
    assert [row.packets for row in by_packets] == sorted(
        (row.packets for row in by_packets), reverse=True
    )
    assert [(row.src, row.dst) for row in by_address] == [
        (A4, B4),
        (B4, A4),
        (C4, D4),
        (E4, F4),
        (A6, B6),
    ]
    # --top takes the largest pairs, then --sort orders them
    assert [(row.src, row.dst) for row in top2_address.rows] == [(A4, B4), (E4, F4)]
    assert top2_address.matched_pairs == 5
    assert top2_address.total_bytes == sum(row.bytes for row in top2_address.rows)


def test_an_empty_or_missing_directory_is_an_empty_pivot(tmp_path: Path) -> None:
    with Store.open(tmp_path / "never-created", writer=False) as store:
        pivot = build_pivot(store, PivotQuery())
    assert (pivot.rows, pivot.days, pivot.total_bytes, pivot.matched_pairs) == ([], [], 0, 0)
    assert not (tmp_path / "never-created").exists()


@pytest.mark.parametrize(
    "text", ["2026-2-25", "2026-02-30", "25.02.2026", "yesterday", "", "20260225"]
)
def test_a_malformed_day_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="is not a date; write it as YYYY-MM-DD"):
        parse_day(text)


def test_days_and_addresses_parse() -> None:
    assert parse_day("2026-02-28") == encode_date(2026, 2, 28)
    assert parse_ip("10.1.0.1") == A4
    assert parse_ip("fd12:3456:789a:1::1") == B6
    with pytest.raises(UsageError, match="not an IPv4 or IPv6 address"):
        parse_ip("10.1.0.256")


def test_ties_are_broken_by_the_other_count_then_by_address(tmp_path: Path) -> None:
    """Equal totals: more of the other count first, then IPv4 before IPv6, by (src, dst)."""
    day, next_day = encode_date(2026, 3, 1), encode_date(2026, 3, 2)
    v6 = parse_address("2001:db8::1")
    cells = {
        (day, 0x0A000005, 0x0A000006): [150, 1],
        (next_day, 0x0A000005, 0x0A000006): [50, 0],  # 200 bytes, 1 packet over two days
        (day, 0x0A000001, 0x0A000002): [100, 5],
        (day, 0x0A000003, 0x0A000004): [100, 7],
        (next_day, 0x0A000000, 0x0A000009): [100, 5],
        (day, v6, v6): [100, 5],
    }
    with Store.open(tmp_path / "data", writer=True) as store:
        store.apply(Batch(pairs=cells))
    with Store.open(tmp_path / "data", writer=False) as store:
        by_bytes = build_pivot(store, PivotQuery(sort=SortKey.BYTES)).rows
        by_packets = build_pivot(store, PivotQuery(sort=SortKey.PACKETS)).rows
        top3 = build_pivot(store, PivotQuery(sort=SortKey.ADDRESS, top=3)).rows
    pairs = {
        (0x0A000005, 0x0A000006): "200/1",
        (0x0A000003, 0x0A000004): "100/7",
        (0x0A000000, 0x0A000009): "100/5 10.0.0.0",
        (0x0A000001, 0x0A000002): "100/5 10.0.0.1",
        (v6, v6): "100/5 IPv6",
    }
    assert [pairs[row.src, row.dst] for row in by_bytes] == [
        "200/1",
        "100/7",
        "100/5 10.0.0.0",
        "100/5 10.0.0.1",
        "100/5 IPv6",
    ]
    assert [pairs[row.src, row.dst] for row in by_packets] == [
        "100/7",
        "100/5 10.0.0.0",
        "100/5 10.0.0.1",
        "100/5 IPv6",
        "200/1",
    ]
    assert [pairs[row.src, row.dst] for row in top3] == ["100/5 10.0.0.0", "100/7", "200/1"]
    assert [row.index for row in by_bytes] == list(range(5))
    assert by_bytes[0].cells == {day: (150, 1), next_day: (50, 0)}
