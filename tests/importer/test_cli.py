"""`ntc-tui import`: exit codes, one-line errors, the summary, --json, progress on a terminal."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.capture.tcpdump_text import NAME_RESOLVED
from ntc_tui.store import Store
from tests.importer.conftest import REPO, TEST4, render
from tests.support import pcapgen

AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all")


def ntc(*args: str | Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ntc_tui", "import", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    pcap = tmp_path / "capture.pcap"
    pcapgen.write_pcap(pcap, pcapgen.mixed_traffic(300))
    return pcap


def test_a_clean_import_exits_0_with_a_summary_per_file_and_in_total(
    capture: Path, tmp_path: Path
) -> None:
    text = render(capture, ["-tt", "-e", "-n"], tmp_path / "capture.txt")
    result = ntc(text, capture, TEST4, "--db-dir", tmp_path / "db", "--utc")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{text}: tcpdump text, imported, 300 packets")
    assert lines[0].endswith("(frame length (-e))")
    assert lines[1].startswith(f"{capture}: pcap, imported, 300 packets")  # other content
    assert lines[1].endswith("(frame length of the capture)")
    assert lines[2].startswith(f"{TEST4}: tcpdump text, imported, 296 packets")
    assert lines[3].startswith("total: 3 files, 896 packets")
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_rejected_lines_exit_1_and_the_summary_says_which(capture: Path, tmp_path: Path) -> None:
    text = render(capture, ["-tt", "-n"], tmp_path / "capture.txt")
    content = text.read_bytes().split(b"\n")
    content[5] = b"1760000000.000001 IP no-such-host.40000 > 10.0.0.1.80: Flags [S], length 0"
    text.write_bytes(b"\n".join(content))
    result = ntc(text, "--db-dir", tmp_path / "db")
    assert result.returncode == 1
    assert f"rejected 1 lines: 1 {NAME_RESOLVED}" in result.stdout
    assert "re-run tcpdump with -n" in result.stdout
    assert f"{text}:6: {NAME_RESOLVED}: 1760000000.000001 IP no-such-host" in result.stdout
    assert f"1 lines rejected (1 {NAME_RESOLVED})" in result.stdout.splitlines()[-1]


def test_nothing_of_a_file_reaches_the_terminal_unescaped(capture: Path, tmp_path: Path) -> None:
    text = render(capture, ["-tt", "-n"], tmp_path / "capture\x1b[31m.txt")
    content = text.read_bytes().split(b"\n")
    content[7] = b"1760000000.1 IP \x1b[2J\x1b]2;owned\x07\x9b6n > 10.0.0.2: x"
    text.write_bytes(b"\n".join(content))
    result = ntc(text, "--db-dir", tmp_path / "db")
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert r"capture\x1b[31m.txt:8: NUL or binary garbage: 1760000000.1 IP \x1b[2J" in result.stdout


def test_json_summary(capture: Path, tmp_path: Path) -> None:
    result = ntc(capture, TEST4, "--db-dir", tmp_path / "db", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["packets"] == 596
    assert [f["status"] for f in summary["files"]] == ["imported", "imported"]
    assert summary["files"][1]["length_rule"] == "frame length (-e)"
    assert summary["exit_code"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt"], "missing.txt: no such file or folder"),
        ([str(TEST4), "--date", "09/10/2025"], "--date 09/10/2025: not a date; write it as"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = ntc(*args, "--db-dir", tmp_path / "db")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_store_locked_by_another_writer_exits_4(tmp_path: Path) -> None:
    with Store.open(tmp_path / "db", writer=True):
        result = ntc(TEST4, "--db-dir", tmp_path / "db")
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and "only one program may write" in result.stderr


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can use (pytest's own is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="ntc-import-test-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_an_unreadable_file_is_reported_and_the_next_proceeds(shared_dir: Path) -> None:
    unreadable = shared_dir / "a.txt"
    shutil.copy(TEST4, unreadable)
    unreadable.chmod(0)
    readable = shared_dir / "b.txt"
    shutil.copy(TEST4, readable)
    readable.write_bytes(TEST4.read_bytes().replace(b"155076", b"155077"))
    readable.chmod(0o644)
    as_other_user = AS_NOBODY if os.geteuid() == 0 else ()
    result = ntc(shared_dir, "--db-dir", shared_dir / "db", prefix=as_other_user)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{unreadable}: failed: cannot read {unreadable}: Permission denied"
    assert lines[1].startswith(f"{readable}: tcpdump text, imported, 296 packets")
    assert lines[-1].endswith("1 failed")


def test_progress_bar_on_a_terminal(capture: Path, tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "ntc_tui", "import", str(capture), "--db-dir", str(tmp_path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            check=False,
            timeout=120,
        )
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:
                break
            if not data:
                break
            shown += data
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert process.returncode == 0
    text = shown.decode(errors="replace")
    assert "files 1/1" in text and "300 packets" in text and "packets/s" in text
    assert "imported, 300 packets" in process.stdout
