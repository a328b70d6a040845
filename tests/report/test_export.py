"""CSV and JSON reports parsed back and checked against what the store holds."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from ntc_tui.cli import main
from ntc_tui.records import format_address
from ntc_tui.report import PivotQuery, SortKey, build_pivot
from ntc_tui.report.export import csv_field, iso_day
from ntc_tui.store import Store
from tests.report.history import DAYS, expected_protocol_cells, make_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("export") / "data")


def stored_cells(
    history: Path, first: int | None = None, last: int | None = None
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """The store's own rows, keyed as the exports write them."""
    with Store.open(history, writer=False) as store:
        return {
            (iso_day(row.day), format_address(row.src), format_address(row.dst)): (
                row.bytes,
                row.packets,
            )
            for row in store.connections(first, last)
        }


def run_report(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["report", *argv]) == 0
    return capsys.readouterr().out


def test_csv_is_one_row_per_date_and_pair(
    capsys: pytest.CaptureFixture[str], history: Path
) -> None:
    out = run_report(capsys, "--db-dir", str(history), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["date", "src", "dst", "bytes", "packets", "saturated"]
    parsed = {(r["date"], r["src"], r["dst"]): (int(r["bytes"]), int(r["packets"])) for r in rows}
    assert len(parsed) == len(rows)  # no (date, src, dst) twice
    assert parsed == stored_cells(history)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert {r["src"] for r in rows if r["saturated"] == "True"} == {"192.168.100.200"}


def test_json_has_the_same_rows_and_the_totals(
    capsys: pytest.CaptureFixture[str], history: Path
) -> None:
    out = run_report(
        capsys,
        "--db-dir",
        str(history),
        "--format",
        "json",
        "--from",
        "2026-02-27",
        "--to",
        "2026-03-04",
    )
    document = json.loads(out)
    cells = stored_cells(history, DAYS[2], DAYS[7])
    parsed = {(r["date"], r["src"], r["dst"]): (r["bytes"], r["packets"]) for r in document["rows"]}
    assert parsed == cells
    assert document["totals"] == {
        "bytes": sum(value[0] for value in cells.values()),
        "packets": sum(value[1] for value in cells.values()),
        "pairs": len({(src, dst) for _, src, dst in cells}),
        "matched_pairs": len({(src, dst) for _, src, dst in cells}),
        "days": 6,
    }
    assert document["days"] == [iso_day(day) for day in DAYS[2:8]]
    assert document["query"] == {
        "from": "2026-02-27",
        "to": "2026-03-04",
        "ip": None,
        "top": None,
        "sort": "bytes",
    }


@pytest.mark.parametrize("argv", [[], ["--sort", "packets"], ["--ip", "10.1.0.1", "--top", "1"]])
def test_json_is_the_text_json_dumps_writes(
    capsys: pytest.CaptureFixture[str], history: Path, argv: list[str]
) -> None:
    """The records are written straight from the cells: the document must still be exactly
    what json.dumps makes of it (one line, its separators, its key order)."""
    out = run_report(capsys, "--db-dir", str(history), "--format", "json", *argv)
    assert out.endswith("}\n") and out.count("\n") == 1
    assert json.dumps(json.loads(out)) == out[:-1]


@pytest.mark.parametrize("sort", ["bytes", "packets", "address"])
def test_each_days_cells_follow_the_row_order(
    capsys: pytest.CaptureFixture[str], history: Path, sort: str
) -> None:
    """Within a date, CSV and JSON list the pairs in the order the text report's rows have."""
    with Store.open(history, writer=False) as store:
        pivot = build_pivot(store, PivotQuery(sort=SortKey(sort)))
    rank = {
        (format_address(row.src), format_address(row.dst)): n for n, row in enumerate(pivot.rows)
    }
    out = run_report(capsys, "--db-dir", str(history), "--format", "csv", "--sort", sort)
    rows = list(csv.DictReader(io.StringIO(out)))
    keys = [(r["date"], rank[r["src"], r["dst"]]) for r in rows]
    assert keys == sorted(keys)
    assert len({r["date"] for r in rows}) == len(DAYS)
    assert any(":" in r["src"] for r in rows) and any("." in r["src"] for r in rows)
    document = json.loads(
        run_report(capsys, "--db-dir", str(history), "--format", "json", "--sort", sort)
    )
    assert [(r["date"], r["src"], r["dst"]) for r in document["rows"]] == [
        (r["date"], r["src"], r["dst"]) for r in rows
    ]


def test_json_top_and_ip(capsys: pytest.CaptureFixture[str], history: Path) -> None:
    out = run_report(
        capsys, "--db-dir", str(history), "--format", "json", "--ip", "10.1.0.1", "--top", "1"
    )
    document = json.loads(out)
    assert {(r["src"], r["dst"]) for r in document["rows"]} == {("10.1.0.1", "10.1.0.2")}
    assert document["totals"]["pairs"] == 1 and document["totals"]["matched_pairs"] == 2


@pytest.mark.parametrize("resolution", ["second", "minute", "hour", "day"])
def test_protocol_exports_add_up_to_the_store(
    capsys: pytest.CaptureFixture[str], history: Path, resolution: str
) -> None:
    argv = ["--db-dir", str(history), "--protocols", "--utc", "--resolution", resolution]
    rows = list(csv.DictReader(io.StringIO(run_report(capsys, *argv, "--format", "csv"))))
    document = json.loads(run_report(capsys, *argv, "--format", "json"))
    expected_bytes: Counter[str] = Counter()
    expected_packets: Counter[str] = Counter()
    for (_, proto), (volume, packets) in expected_protocol_cells().items():
        expected_bytes[proto] += volume
        expected_packets[proto] += packets
    csv_bytes: Counter[str] = Counter()
    for row in rows:
        csv_bytes[row["protocol"]] += int(row["bytes"])
        width = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[resolution]
        assert int(row["start"]) % width == 0  # UTC buckets start on their boundary
    assert csv_bytes == expected_bytes
    assert [(r["start"], r["protocol"], r["bytes"]) for r in document["buckets"]] == [
        (int(r["start"]), r["protocol"], int(r["bytes"])) for r in rows
    ]
    totals = {t["protocol"]: (t["bytes"], t["packets"]) for t in document["totals"]["protocols"]}
    assert totals == {
        proto: (expected_bytes[proto], expected_packets[proto]) for proto in expected_bytes
    }
    assert document["totals"]["bytes"] == sum(expected_bytes.values())
    if resolution == "second":
        assert len(rows) == len(expected_protocol_cells())


def test_csv_fields_are_quoted_only_when_needed() -> None:
    assert csv_field("TCP") == "TCP"
    line = ",".join(["1", csv_field('odd,"name"'), csv_field("two\nlines")])
    assert next(csv.reader(io.StringIO(line))) == ["1", 'odd,"name"', "two\nlines"]
