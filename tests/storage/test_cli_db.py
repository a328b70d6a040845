"""`ntc-tui db check [--repair]` and `ntc-tui db info` as a user runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ntc_tui.storage import DataDir
from ntc_tui.store import CONN4_LAYOUT

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c-ntc"


def ntc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntc_tui", "db", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_reports_each_defect_then_repair_fixes_it(tmp_path: Path) -> None:
    path = tmp_path / "lazy171"
    shutil.copytree(FIXTURES / "lazy171", path)
    result = ntc("check", "--db-dir", str(path))
    assert result.returncode == 4, result.stderr
    assert "ntc.idx page 2: [I3]" in result.stdout
    assert "3 defect(s)" in result.stdout
    repaired = ntc("check", "--repair", "--db-dir", str(path))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "171 records kept" in repaired.stdout and "every invariant holds" in repaired.stdout
    assert ntc("check", "--db-dir", str(path)).returncode == 0


def test_defect_lines_name_file_page_and_key(tmp_path: Path) -> None:
    path = tmp_path / "data"
    with DataDir.open(path, writer=True, create=True) as datadir:
        datadir.table("ntc", CONN4_LAYOUT).upsert((0x07EA0B16, 0x0A000001, 0x0A000002), 1, 1)
        datadir.commit()
    raw = bytearray((path / "ntc.db").read_bytes())
    raw[20 + 12] = 0xFF  # vol of the record, negative after the flip of its sign byte
    raw[20 + 19] = 0xFF
    raw[8180:8192] = bytes(12)  # no checksum: read as written by the original
    (path / "ntc.db").write_bytes(bytes(raw))
    result = ntc("check", "--db-dir", str(path))
    assert result.returncode == 4
    assert "ntc.db page 1 key 2026-11-22 10.0.0.1 > 10.0.0.2: [D7]" in result.stdout


def test_info_and_missing_directory(tmp_path: Path) -> None:
    missing = ntc("info", "--db-dir", str(tmp_path / "none"))
    assert missing.returncode == 0 and "no data yet" in missing.stdout
    assert ntc("check", "--db-dir", str(tmp_path / "none")).returncode == 0
    path = tmp_path / "run2"
    shutil.copytree(FIXTURES / "run2", path)
    info = ntc("info", "--db-dir", str(path))
    assert info.returncode == 0, info.stderr
    assert "4 records" in info.stdout and "dates 2026-11-22 to 2026-11-22" in info.stdout


def test_repair_refused_while_a_writer_runs(tmp_path: Path) -> None:
    path = tmp_path / "data"
    with DataDir.open(path, writer=True, create=True):
        result = ntc("check", "--repair", "--db-dir", str(path))
    assert result.returncode == 4
    assert "locked by another writer" in result.stderr and "pid" in result.stderr
    assert "Traceback" not in result.stderr


def test_garbage_journal_is_a_report_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "run1"
    shutil.copytree(FIXTURES / "run1", path)
    (path / "ntc-tui.journal").write_bytes(b"\x00garbage" * 100)
    for args in (("check",), ("info",), ("check", "--repair")):
        result = ntc(*args, "--db-dir", str(path))
        assert "Traceback" not in result.stderr
        assert result.returncode in (0, 4)
    assert not (path / "ntc-tui.journal").exists()
