"""The import screen: its progress and summary texts, and an import through the real loop while
the capture goes on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.importer import FileSummary, ImportProgress
from ntc_tui.store import Store
from ntc_tui.ui.app import Dashboard
from ntc_tui.ui.importing import fraction, progress_line, summary_rows
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units
from tests.ui.driving import drive, options_for
from tests.ui.terminal import PtyTerminal
from tests.ui.traffic import START, write_demo_pcap

pytestmark = pytest.mark.timeout(120)


def text(markup: list[tuple[Attr, str]]) -> str:
    return "".join(part for _, part in markup)


def test_progress_says_files_bytes_packets_rate_and_eta() -> None:
    progress = ImportProgress(1, 3, 500_000, 2_000_000, 1234, Path("/srv/cap/part2.pcap"))
    assert fraction(progress) == 0.25
    line = text(progress_line(progress, 2.0, Units.BYTES))
    assert line == (
        "files 1/3 · 500 kB of 2.00 MB · 1,234 packets · 250 kB/s · ETA 00:06 · part2.pcap"
    )
    assert "ETA --:--" in text(progress_line(progress, 0.0, Units.BITS))


def test_summary_rows_per_file_with_reasons() -> None:
    root = Path("/srv/cap")
    files = [
        FileSummary(root / "a" / "part1.pcap", "pcap", 10, 6000, {}, "", "imported", []),
        FileSummary(
            root / "part2.txt", "tcpdump text", 7, 900,
            {"malformed header": 2, "no timestamp": 1}, "IP total length", "imported",
            ["/srv/cap/part2.txt:17: malformed header: 12:00 IP \x00garbage"],
        ),
        FileSummary(root / "part3.pcap", "pcap", 0, 0, {}, "", "already imported", []),
    ]  # fmt: skip
    rows = summary_rows(files, [root])
    assert rows[0] == (("a/part1.pcap", "imported", "10", "6.00 kB"), Attr.BODY)
    assert rows[1][0] == ("part2.txt", "imported, 3 lines rejected", "7", "900 B")
    notes = [cells[0] for cells, _ in rows[2:-1]]
    assert notes == [
        "tcpdump text, length from IP total length",
        "malformed header: 2",
        "no timestamp: 1",
        "line 17: malformed header: 12:00 IP ?garbage",
    ]
    assert rows[-1] == (("part3.pcap", "already imported", "", ""), Attr.DIM)


@pytest.fixture
def terminal() -> Iterator[PtyTerminal]:
    term = PtyTerminal(100, 30)
    yield term
    term.close()


def test_import_a_folder_while_the_capture_goes_on(terminal: PtyTerminal) -> None:
    with tempfile.TemporaryDirectory(prefix="ntc") as name:
        work = Path(name)
        live = write_demo_pcap(work / "live.pcap", seconds=30)
        folder = work / "cap"
        folder.mkdir()
        for part in (1, 2):
            write_demo_pcap(
                folder / f"part{part}.pcap", 20, 20, seed=part, start=START - 3600 * part
            )

        def script(dashboard: Dashboard) -> None:
            terminal.wait_for("running")
            terminal.press("i")
            terminal.wait_for("Import traffic files")
            terminal.press(f"{folder}\r")
            screen = terminal.wait_for("files imported")
            assert "part1.pcap" in screen and "part2.pcap" in screen
            assert "2 of 2 files imported" in screen
            assert "running" in screen.splitlines()[0]  # the capture went on meanwhile
            terminal.press("\r")  # again: nothing new
            terminal.wait_for("already imported")
            terminal.press("q")

        outcome = drive(terminal, options_for(work, live, realtime=True), script)
        assert outcome.report is not None
        with Store.open(work / "data", writer=False) as store:
            seconds = {cell.second for cell in store.protocol_cells()}
        assert min(seconds) == int(START - 7200) and max(seconds) == int(START - 3600 + 19)


def test_c_cancels_a_running_import_and_what_was_imported_stays(terminal: PtyTerminal) -> None:
    with tempfile.TemporaryDirectory(prefix="ntc") as name:
        work = Path(name)
        folder = work / "cap"
        folder.mkdir()
        for part in range(30):
            write_demo_pcap(folder / f"part{part}.pcap", 2, 10, seed=part, start=START + 10 * part)

        def script(dashboard: Dashboard) -> None:
            terminal.wait_for("file read")
            terminal.press("i")
            terminal.wait_for("Import traffic files")
            terminal.press(f"{folder}\rc")  # c in the same read: the worker is at its first file
            screen = terminal.wait_for("files imported")
            assert "cancelled · " in screen and "of 30 files imported" in screen
            terminal.press("q")

        drive(terminal, options_for(work, report_dir=None), script)
        with Store.open(work / "data", writer=False) as store:
            seconds = {cell.second for cell in store.protocol_cells()}
        assert max(seconds, default=START) < START + 10 * 29  # the last files were not imported
