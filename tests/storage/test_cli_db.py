"""`ntc-tui db check [--repair]` and `ntc-tui db info` as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.storage import DataDir
from ntc_tui.store import CONN4_LAYOUT

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c-ntc"
ROOT = Path(__file__).parents[2]


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
    raw[8180:8192] = bytes(12)  # no checksums: read as files written by the original
    (path / "ntc.db").write_bytes(bytes(raw))
    index = bytearray((path / "ntc.idx").read_bytes())
    index[20:32] = bytes(12)
    (path / "ntc.idx").write_bytes(bytes(index))
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
    check = ntc("check", "--db-dir", str(path))
    assert check.returncode == 4, check.stderr
    assert "ntc-tui.journal: [J1] ntc-tui.journal: damaged" in check.stdout
    assert "ignored" in check.stdout and check.stderr == ""
    info = ntc("info", "--db-dir", str(path))
    assert info.returncode == 4 and info.stdout == ""
    assert info.stderr.count("\n") == 1 and "damaged or incomplete batch journal" in info.stderr
    assert "db check --repair" in info.stderr
    repair = ntc("check", "--repair", "--db-dir", str(path))
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert repair.stdout.count("[J1]") == 1 and "; removed" in repair.stdout
    assert "4 records kept" in repair.stdout and repair.stderr == ""
    assert not (path / "ntc-tui.journal").exists()
    assert ntc("check", "--db-dir", str(path)).returncode == 0


def as_other_user(*args: str) -> subprocess.CompletedProcess[str]:
    """ntc-tui as a user who may not read root's files (nobody; or this user if not root)."""
    command = [sys.executable, "-m", "ntc_tui", *args]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


COMMANDS = [("db", "check"), ("db", "check", "--repair"), ("db", "info"), ("report",)]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A scratch directory every user may enter (pytest's own is private to its user)."""
    base = Path(tempfile.mkdtemp())
    base.chmod(0o755)
    yield base
    shutil.rmtree(base)


@pytest.mark.parametrize("locked", ["directory", "parent"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unreadable_data_directory_is_one_clear_sentence(
    shared_tmp: Path, locked: str, command: tuple[str, ...]
) -> None:
    parent = shared_tmp / "parent"
    parent.mkdir()
    path = parent / "data"
    shutil.copytree(FIXTURES / "run2", path)
    blocked = parent if locked == "parent" else path
    blocked.chmod(0o700 if os.geteuid() == 0 else 0)  # root's 0700 keeps nobody out
    try:
        result = as_other_user(*command, "--db-dir", str(path))
    finally:
        blocked.chmod(0o755)
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    assert "internal error" not in output and "Traceback" not in output
    said = [line for line in output.splitlines() if "permission denied" in line]
    assert len(said) == 1 and f"{path}: permission denied" in said[0], output
    assert "(e.g. root) or choose another one with --db-dir" in said[0]
    assert (path / "ntc.db").read_bytes() == (FIXTURES / "run2" / "ntc.db").read_bytes()
    assert sorted(p.name for p in path.iterdir()) == sorted(
        p.name for p in (FIXTURES / "run2").iterdir()
    )


@pytest.mark.parametrize(
    "command", [*COMMANDS, ("import", str(FIXTURES / "run1" / "capture.pcap"))], ids=" ".join
)
def test_a_file_given_as_the_data_directory_is_a_usage_error(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    not_a_directory = tmp_path / "ntc.db"
    not_a_directory.write_bytes((FIXTURES / "run2" / "ntc.db").read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "ntc_tui", *command, "--db-dir", str(not_a_directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        f"ntc-tui: {not_a_directory} is not a directory; give the data directory\n"
    )
    assert not_a_directory.read_bytes() == (FIXTURES / "run2" / "ntc.db").read_bytes()
