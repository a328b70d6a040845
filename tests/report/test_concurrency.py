"""A report read while another process commits batches sees whole batches, never half of one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ntc_tui.report import PivotQuery, build_pivot
from ntc_tui.store import Store
from tests.report import writer_child

BATCHES = 80
ROOT = Path(__file__).resolve().parents[2]


def snapshot_packets(path: Path) -> int:
    """The packets every cell holds in one read; fails if cells disagree (a half-applied batch)."""
    with Store.open(path, writer=False) as store:
        pivot = build_pivot(store, PivotQuery())
    cells = [cell for row in pivot.rows for cell in row.cells.values()]
    if not cells:
        return 0
    assert len(cells) == len(writer_child.keys())
    counts = {packets for _, packets in cells}
    assert len(counts) == 1, f"a read saw a batch half-applied: packets {sorted(counts)}"
    (packets,) = counts
    assert all(volume == packets * writer_child.BYTES_PER_BATCH for volume, _ in cells)
    return packets


def test_reader_sees_only_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "data"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.report.writer_child", str(path), str(BATCHES)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ack 1\n"  # the directory exists, batches are coming
        seen: list[int] = []
        while writer.poll() is None:
            seen.append(snapshot_packets(path))
        assert writer.wait() == 0
    finally:
        writer.kill()
        writer.wait()
    assert seen == sorted(seen)  # never goes back
    assert seen and seen[0] >= 1
    assert snapshot_packets(path) == BATCHES
