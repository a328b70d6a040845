"""Headless sessions end to end: --read of the original's captures."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

from ntc_tui.records import FAMILY_NONE, DayCalendar, PacketRecord, parse_address
from ntc_tui.store import Store
from tests.capture.conftest import REPO
from tests.capture.reference import reference_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "c-ntc"
WAIT = 60.0

PairTotals = dict[tuple[int, object, object], tuple[int, int]]


def ntc(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntc_tui", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def stored_pairs(data_dir: Path) -> PairTotals:
    with Store.open(data_dir, writer=False) as store:
        return {
            (row.day, row.src, row.dst): (row.bytes, row.packets) for row in store.connections()
        }


def stored_protocols(data_dir: Path) -> Counter[str]:
    packets: Counter[str] = Counter()
    with Store.open(data_dir, writer=False) as store:
        for cell in store.protocol_cells():
            packets[cell.proto] += cell.packets
    return packets


def expected_pairs(records: Iterable[PacketRecord]) -> PairTotals:
    calendar = DayCalendar(utc=True)
    totals: dict[tuple[int, object, object], list[int]] = {}
    for record in records:
        if record.family == FAMILY_NONE:
            continue
        cell = totals.setdefault((calendar.code(record.ts), record.src, record.dst), [0, 0])
        cell[0] += record.length
        cell[1] += 1
    return {key: (cell[0], cell[1]) for key, cell in totals.items()}


@pytest.mark.parametrize("run", ["run1", "run2"])
def test_read_counts_the_originals_captures_as_tshark_reads_them(run: str, tmp_path: Path) -> None:
    capture = FIXTURES / run / "capture.pcap"
    data_dir = tmp_path / "data"
    result = ntc(
        "--read", str(capture), "--host", "10.200.0.1", "--headless", "--json", "--utc",
        "--db", "--db-dir", str(data_dir), "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["direction"] == "host-option"

    records = reference_records(capture)
    host = parse_address("10.200.0.1")
    out = [r for r in records if r.family != FAMILY_NONE and r.src == host]
    inbound = [r for r in records if r not in out]
    assert summary["out"] == {"bytes": sum(r.length for r in out), "packets": len(out)}
    assert summary["in"] == {"bytes": sum(r.length for r in inbound), "packets": len(inbound)}
    protocols = Counter(r.proto for r in records)
    assert {p["name"]: p["packets"] for p in summary["protocols"]} == protocols
    assert stored_pairs(data_dir) == expected_pairs(records)
    assert stored_protocols(data_dir) == protocols
    assert summary["pairs"] == len(expected_pairs(records))
    report = Path(summary["report"])
    assert report.parent == tmp_path and report.stat().st_mode & 0o777 == 0o600
    assert "10.200.0.1" in report.read_text()
    assert ntc("db", "check", "--db-dir", str(data_dir)).returncode == 0
