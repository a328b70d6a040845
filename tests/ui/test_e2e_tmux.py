"""End to end: `ntc-tui --read` in tmux, keys typed, the screen read, quit, the report found."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from ntc_tui.store import Store
from tests.ui.driving import FIXTURE, FIXTURE_HOST
from tests.ui.tmux import TmuxRun

pytestmark = pytest.mark.timeout(120)


def test_read_a_capture_file_in_tmux_and_quit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = [
        "--read", str(FIXTURE), "--host", FIXTURE_HOST,
        "--report-dir", str(tmp_path), "--db-dir", str(data), "--utc", "--db",
    ]  # fmt: skip
    with TmuxRun(args, 120, 40) as run:
        screen = run.wait_for("replay finished")
        assert "capture.pcap" in screen and "10.200.0.1" in screen and "DB ON" in screen
        assert "max 10.200.0.2" in screen  # the busiest pair of the fixture
        assert "protocol    volume" in screen  # 120 columns: the protocols table
        run.press("d")  # off: what the replay collected is flushed
        run.wait_for("DB OFF")
        run.press("d")
        run.wait_for("DB ON")
        run.press("s")
        run.wait_for("▼packets")
        run.press("?")
        run.wait_for("ntc-tui keys")
        run.press("Escape")
        run.wait_for(lambda text: "ntc-tui keys" not in text)
        run.press("q")
        after = run.wait_for("EXIT=")
    assert "EXIT=0" in after
    assert "TERMINAL-RESTORED" in after
    match = re.search(r"session report: (\S+)", after)
    assert match, after
    report = Path(match.group(1))
    assert report.parent == tmp_path and report.is_file()
    with Store.open(data, writer=False) as store:  # flushed when persistence went off
        assert store.stems()


def test_closing_the_terminal_saves_and_writes_the_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = [
        "--read", str(FIXTURE), "--host", FIXTURE_HOST, "--db",
        "--report-dir", str(tmp_path), "--db-dir", str(data), "--utc",
    ]  # fmt: skip
    with TmuxRun(args, 100, 30) as run:
        run.wait_for("replay finished")
        run.hang_up()
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("ntc-*.log")):
            assert time.monotonic() < deadline, "no session report after the terminal closed"
            time.sleep(0.1)
    with Store.open(data, writer=False) as store:  # waits for nothing: the writer has ended
        assert list(store.connections()), "the session was saved on SIGHUP"


def test_a_session_that_cannot_start_says_why_in_one_line(tmp_path: Path) -> None:
    with TmuxRun(["--read", str(tmp_path / "missing.pcap")], 100, 30) as run:
        after = run.wait_for("EXIT=")
    assert "EXIT=2" in after and "TERMINAL-RESTORED" in after
    (message,) = [line for line in after.splitlines() if "missing.pcap" in line]  # joined (-J)
    assert message.rstrip() == f"ntc-tui: cannot read {tmp_path / 'missing.pcap'}: no such file"
    assert "Traceback" not in after


def test_ctrl_c_ends_the_session_as_q_does(tmp_path: Path) -> None:
    args = ["--read", str(FIXTURE), "--host", FIXTURE_HOST, "--report-dir", str(tmp_path),
            "--db", "--db-dir", str(tmp_path / "data")]  # fmt: skip
    with TmuxRun(args, 100, 30) as run:
        run.wait_for("replay finished")
        run.press("C-c")
        after = run.wait_for("EXIT=")
    assert "EXIT=0" in after and "TERMINAL-RESTORED" in after and "session report: " in after
    with Store.open(tmp_path / "data", writer=False) as store:
        assert list(store.connections())
