"""Keys through the real MainLoop on a pseudo-terminal, with a real session replaying a file."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ntc_tui.session import CaptureState
from ntc_tui.store import Store
from ntc_tui.ui.app import Dashboard
from tests.ui.driving import drive, options_for
from tests.ui.terminal import PtyTerminal
from tests.ui.traffic import write_demo_pcap

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def terminal() -> Iterator[PtyTerminal]:
    term = PtyTerminal(100, 30)
    yield term
    term.close()


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A short temporary directory: the header shows the data directory in full."""
    with tempfile.TemporaryDirectory(prefix="ntc") as name:
        yield Path(name)


def packets_in(screen: str) -> int:
    """The IN packets of the totals panel."""
    (line,) = [line for line in screen.splitlines() if line.startswith("IN ")]
    return int(line.split()[3].replace(",", ""))


@pytest.fixture(scope="module")
def demo_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_pcap(tmp_path_factory.mktemp("pcap") / "demo.pcap", seconds=40)


def test_d_toggles_persistence_and_q_saves_and_reports(
    terminal: PtyTerminal, tmp_path: Path, demo_pcap: Path
) -> None:
    data = tmp_path / "data"

    def script(dashboard: Dashboard) -> None:
        terminal.wait_for("running")
        assert "DB OFF" in terminal.text() and not data.exists()
        terminal.press("d")
        screen = terminal.wait_for("DB ON")
        assert f"saving to {data}" in screen
        assert data.is_dir()
        before = packets_in(screen)  # "running" comes with the first packets: wait for more
        terminal.wait_for(lambda text: packets_in(text) > before)  # counted while persisting
        terminal.press("d")
        screen = terminal.wait_for("DB OFF")
        assert f"not saving ({data})" in screen
        terminal.press("q")

    outcome = drive(terminal, options_for(tmp_path, demo_pcap, realtime=True), script)
    with Store.open(data, writer=False) as store:
        rows = list(store.connections())
    assert rows, "turning persistence off flushed what was collected"
    assert outcome.report is not None and outcome.report.is_file()
    assert outcome.report.parent == tmp_path
    assert terminal.mode() == terminal.initial_mode  # the terminal is restored


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signals_end_the_session_like_q(terminal: PtyTerminal, tmp_path: Path, signum: int) -> None:
    def script(dashboard: Dashboard) -> None:
        terminal.wait_for("replay finished")
        os.kill(os.getpid(), signum)

    outcome = drive(terminal, options_for(tmp_path, persist=True), script)
    assert outcome.state is CaptureState.STOPPED
    assert outcome.report is not None and outcome.report.is_file()
    with Store.open(tmp_path / "data", writer=False) as store:
        assert list(store.connections()), "persistence was on: the session was saved"
    assert terminal.mode() == terminal.initial_mode


def test_keys_sort_units_pause_scroll_help_and_screens(
    terminal: PtyTerminal, tmp_path: Path, demo_pcap: Path
) -> None:
    def script(dashboard: Dashboard) -> None:
        screen = terminal.wait_for("replay finished")
        # the replay is timed by its packets (40 s of them), not by the wall clock
        assert "span 0:00:39" in screen.splitlines()[0]
        assert "packets 15:06:40 → 15:07:19" in screen.splitlines()[1]
        assert "coverage" not in screen and "if-drops" not in screen
        terminal.wait_for("▼volume")
        terminal.press("s")
        terminal.wait_for("▼packets")
        terminal.press("s")
        terminal.wait_for("▼rate")
        terminal.press("u")
        terminal.wait_for("kb/s")  # rates in bits; the totals stay in bytes
        terminal.press("\x1b[B")  # down
        terminal.wait_for("rows 2–")
        terminal.press("\x1b[6~")  # page down
        terminal.wait_for(lambda text: "rows 2–" not in text and "rows 1–" not in text)
        terminal.press("\x1b[H")  # home
        terminal.wait_for("rows 1–")
        terminal.press("p")
        terminal.wait_for("PAUSED")
        terminal.press("s")
        terminal.wait_for("the display is paused: p resumes it")
        terminal.press("p")
        terminal.wait_for(lambda text: "PAUSED" not in text)
        terminal.press("?")
        terminal.wait_for("ntc-tui keys")
        terminal.press("\x1b")
        terminal.wait_for(lambda text: "ntc-tui keys" not in text)
        terminal.press("i")
        terminal.wait_for("Import traffic files")
        terminal.press("\x1b")
        terminal.wait_for("▼rate")
        terminal.press("r")
        terminal.wait_for("History")
        terminal.press("\x1b")
        terminal.wait_for("▼rate")
        terminal.press("q")

    outcome = drive(terminal, options_for(tmp_path, demo_pcap, report_dir=None), script)
    assert outcome.report is None


def test_history_screen_reads_the_pivot_and_chart_of_this_session(
    terminal: PtyTerminal, tmp_path: Path, demo_pcap: Path
) -> None:
    def script(dashboard: Dashboard) -> None:
        terminal.wait_for("replay finished")
        terminal.press("r")
        terminal.wait_for("History")
        screen = terminal.text()
        assert "Enter reads the stored history" in screen
        assert "Tab field" in screen and "q quit" not in screen  # in a field, letters type
        terminal.press("\r")  # the form holds the session's day and its last minutes
        screen = terminal.wait_for("all days")
        assert "q quit" in screen  # Enter left the fields: letters are commands again
        assert "2025-06-15" in screen and "198.51.100.10" in screen and "10.77.0.1" in screen
        assert "TCP" in screen and "s per column" in screen
        terminal.press("\x1b[B")  # Enter left the fields: the arrows scroll the pivot
        terminal.wait_for("rows 2–")
        terminal.press("q")

    outcome = drive(terminal, options_for(tmp_path, demo_pcap, persist=True), script)
    assert outcome.report is not None


def test_resize_redraws_for_the_new_size(terminal: PtyTerminal, tmp_path: Path) -> None:
    abreast = "share   protocol    volume"  # the narrow layout's protocols, two side by side

    def redrawn(rows: int) -> Callable[[str], bool]:  # the compact footer on the last line
        return lambda text: (
            len(text.splitlines()) == rows and text.splitlines()[-1].startswith("q quit d DB")
        )

    def script(dashboard: Dashboard) -> None:
        screen = terminal.wait_for("replay finished")
        assert abreast in screen  # narrow: the protocols in a few lines under the graph
        terminal.resize(130, 40)
        screen = terminal.wait_for(lambda text: "avg pkt" in text)  # wide: more pair columns
        assert "protocol    volume packets  share" in screen and abreast not in screen
        assert len(screen.splitlines()) == 40
        for cols, rows in ((60, 20), (40, 10)):  # too small for everything: drawn, no crash
            terminal.resize(cols, rows)
            terminal.wait_for(redrawn(rows))
        terminal.resize(80, 24)
        terminal.wait_for(lambda text: abreast in text and "avg pkt" not in text)
        terminal.press("q")

    outcome = drive(terminal, options_for(tmp_path, report_dir=None), script)
    assert outcome.failure is None and outcome.state is CaptureState.STOPPED


class BrokenUnits(Dashboard):
    """A dashboard whose `u` key hits a bug."""

    def toggle_units(self) -> None:
        raise RuntimeError("a bug in the units key")


def test_a_bug_in_the_loop_still_saves_reports_and_restores(
    terminal: PtyTerminal, tmp_path: Path
) -> None:
    def script(dashboard: Dashboard) -> None:
        terminal.wait_for("replay finished")
        terminal.press("u")

    outcome = drive(terminal, options_for(tmp_path, persist=True), script, board=BrokenUnits)
    assert isinstance(outcome.failure, RuntimeError)
    assert outcome.report is not None and outcome.report.is_file()
    with Store.open(tmp_path / "data", writer=False) as store:
        assert list(store.connections())
    assert terminal.mode() == terminal.initial_mode


def tshark_children(pid: int) -> list[int]:
    """tshark processes started by ``pid`` (the capture worker's children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if Path(f"/proc/{child}/comm").read_text().strip() == "tshark":
                found.append(int(child))
    return found


def test_tshark_dying_shows_the_error_in_the_header(
    terminal: PtyTerminal, tmp_path: Path, demo_pcap: Path
) -> None:
    def script(dashboard: Dashboard) -> None:
        terminal.wait_for("running")
        children = tshark_children(os.getpid())
        assert len(children) == 1
        os.kill(children[0], signal.SIGKILL)
        screen = terminal.wait_for("capture error")
        assert " error " in screen.splitlines()[0]
        terminal.press("q")

    outcome = drive(terminal, options_for(tmp_path, demo_pcap, realtime=True), script)
    assert outcome.state is CaptureState.ERROR and outcome.error
    assert outcome.report is not None and outcome.report.is_file()
