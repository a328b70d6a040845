"""The import screen: its progress and summary texts, and an import through the real loop while
the capture goes on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.errors import UsageError
from ntc_tui.importer import FileSummary, ImportProgress
from ntc_tui.store import Store
from ntc_tui.ui.app import Dashboard
from ntc_tui.ui.importing import field_paths, fraction, progress_line, summary_rows
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
    bits = text(progress_line(progress, 2.0, Units.BITS))
    assert "500 kB of 2.00 MB" in bits and "2.00 Mb/s" in bits  # only the rate in bits
    assert "ETA --:--" in text(progress_line(progress, 0.0, Units.BITS))


def test_the_path_field_takes_a_path_with_spaces_whole(tmp_path: Path) -> None:
    spaced = tmp_path / "my captures" / "day one.pcap"
    spaced.parent.mkdir()
    spaced.write_bytes(b"")
    other = tmp_path / "other.pcap"
    assert field_paths(f"  {spaced} ") == [spaced]  # it exists: the whole field
    assert field_paths(f"'{spaced}' {other}") == [spaced, other]  # else shell-style words
    assert field_paths(f"{tmp_path}/my captures") == [tmp_path / "my captures"]
    assert field_paths("~/x") == [Path.home() / "x"]
    with pytest.raises(UsageError, match="type the path"):
        field_paths("   ")
    with pytest.raises(UsageError, match="cannot be read"):
        field_paths("'unclosed")


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
        "line 17: malformed header: 12:00 IP \\x00garbage",
    ]
    assert rows[-1] == (("part3.pcap", "already imported", "", ""), Attr.DIM)


def test_summary_rows_show_control_characters_of_names_and_notes_as_escapes() -> None:
    hostile = FileSummary(
        Path("/srv/cap/\x1b]0;pwned\x07.txt"), "tcpdump text", 1, 60, note="name says \x1b[2J"
    )
    rows = summary_rows([hostile], [Path("/srv/cap")])
    shown = [cell for cells, _ in rows for cell in cells]
    assert not any(char in cell for cell in shown for char in "\x1b\x07")
    assert rows[0][0][0] == "\\x1b]0;pwned\\x07.txt"
    assert "name says \\x1b[2J" in shown


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
            terminal.wait_for("replay finished")
            terminal.press("i")
            terminal.wait_for("Import traffic files")
            terminal.press(f"{folder}\rc")  # c in the same read: the worker is at its first file
            screen = terminal.wait_for("files imported")
            assert "cancelled · " in screen and "of 30 files imported" in screen
            assert "cancelled at " in screen and "100 %" not in screen  # where it stopped
            terminal.press("q")

        drive(terminal, options_for(work, report_dir=None), script)
        with Store.open(work / "data", writer=False) as store:
            seconds = {cell.second for cell in store.protocol_cells()}
        assert max(seconds, default=START) < START + 10 * 29  # the last files were not imported


def path_line(screen: str) -> str:
    (line,) = [line for line in screen.splitlines() if line.startswith("path ")]
    return line.removeprefix("path ").rstrip()


def test_after_an_import_letters_are_commands_and_ctrl_keys_edit_the_path(
    terminal: PtyTerminal,
) -> None:
    with tempfile.TemporaryDirectory(prefix="ntc") as name:
        work = Path(name)
        (work / "my captures").mkdir()
        capture = write_demo_pcap(work / "my captures" / "day one.pcap", 5, 10)

        def script(dashboard: Dashboard) -> None:
            terminal.wait_for("replay finished")
            terminal.press("i")
            screen = terminal.wait_for("Import traffic files")
            assert " TYPING " in screen.splitlines()[-1]  # a first visit: the path field
            terminal.press(f"{capture}\r")  # spaces and all: one path, no quoting needed
            screen = terminal.wait_for("1 of 1 files imported")
            assert "day one.pcap" in screen and " TYPING " not in screen
            terminal.press("\x1b")
            terminal.wait_for("▼volume")
            terminal.press("i")
            terminal.wait_for("Import traffic files")
            terminal.press("c")  # the results have the focus: c is the cancel key, not text
            screen = terminal.wait_for("no import is running")
            assert path_line(screen) == str(capture) and " TYPING " not in screen
            terminal.press("\t")  # a new import: Tab to the path field
            terminal.wait_for(" TYPING ")
            terminal.press("\x17")  # Ctrl-W: the word before the cursor
            terminal.wait_for(lambda text: path_line(text) == f"{capture.parent}/day")
            terminal.press("\x17")  # again: that word and the space after it
            terminal.wait_for(lambda text: path_line(text) == f"{capture.parent.parent}/my")
            terminal.press("\x15")  # Ctrl-U: all before the cursor
            terminal.wait_for(lambda text: path_line(text) == "")
            terminal.press("\r")
            terminal.wait_for("type the path of a file or folder to import")
            terminal.press("\t" * 4)  # Tab past the four fields: letters are commands again
            terminal.wait_for(lambda text: " TYPING " not in text and "q quit" in text)
            terminal.press("q")

        outcome = drive(terminal, options_for(work, report_dir=None), script)
        assert outcome.failure is None
