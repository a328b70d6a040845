"""Screens built from sample data exactly as the dashboard composes them, and their text."""

from __future__ import annotations

import difflib
import os
from dataclasses import replace
from pathlib import Path

import urwid

from ntc_tui.aggregate import Snapshot
from ntc_tui.importer import FileSummary, ImportProgress, ImportSummary
from ntc_tui.ui.importing import fraction, progress_line, summary_line, summary_rows
from ntc_tui.ui.keys import View, footer_items
from ntc_tui.ui.screens.frame import Footer, Header, ScreenFrame
from ntc_tui.ui.screens.help import help_content, help_overlay
from ntc_tui.ui.screens.history import HistoryScreen
from ntc_tui.ui.screens.imports import ImportScreen
from ntc_tui.ui.screens.live import LiveScreen
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import HeaderModel
from ntc_tui.ui.widgets import Scroller
from tests.ui.sample import sample_header, sample_history, sample_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZES = [(80, 24), (120, 40)]
UPDATE = os.environ.get("NTC_UPDATE_SNAPSHOTS") == "1"  # rewrite the files after a wanted change


def framed(
    body: urwid.Widget,
    view: View,
    header: HeaderModel,
    notice: str | None = None,
    typing: bool = False,
) -> urwid.Widget:
    top = Header()
    top.update(header)
    bottom = Footer()
    bottom.update(footer_items(view, typing), notice, typing)
    return ScreenFrame(body, top, bottom)


def live_screen(
    snapshot: Snapshot | None = None, units: Units = Units.BYTES, **header: object
) -> urwid.Widget:
    live = LiveScreen()
    live.show(snapshot or sample_snapshot(), units)
    return framed(live, View.LIVE, sample_header(**header))


SAMPLE_FOLDER = Path("/srv/captures/2025-06")
SAMPLE_IMPORT = ImportSummary(
    [
        FileSummary(SAMPLE_FOLDER / "part1.pcap", "pcap", 45_678, 12_345_678),
        FileSummary(
            SAMPLE_FOLDER / "part2.txt.gz", "tcpdump text (gzip)", 63_087, 16_987_654,
            {"malformed header": 2, "no timestamp": 1}, "the IP total length (-v)",
            examples=[f"{SAMPLE_FOLDER}/part2.txt.gz:17: malformed header: 12:00:01.5 IP >"],
        ),
        FileSummary(SAMPLE_FOLDER / "part3.pcap", "pcap", status="already imported"),
    ]
)  # fmt: skip


def import_screen(state: str = "idle") -> urwid.Widget:
    """The import screen idle (a path typed), running (progress), done (a summary), or
    cancelled (the bar where it stopped)."""
    screen = ImportScreen("/var/lib/ntc-tui")
    screen.path.set_edit_text(str(SAMPLE_FOLDER))
    if state == "running":
        screen.set_running(str(SAMPLE_FOLDER))
        progress = ImportProgress(3, 7, 12_300_000, 29_300_000, 45_678, SAMPLE_FOLDER / "p4.pcap")
        screen.show_progress(fraction(progress), progress_line(progress, 4.0, Units.BYTES))
    if state == "done":
        screen.show_progress(1.0, summary_line(SAMPLE_IMPORT, 3))
        screen.show_summary(summary_rows(SAMPLE_IMPORT.files, [SAMPLE_FOLDER]))
    if state == "cancelled":
        cancelled = replace(SAMPLE_IMPORT, files=SAMPLE_IMPORT.files[:1], cancelled=True)
        screen.show_progress(0.42, summary_line(cancelled, 3), "cancelled")
        screen.show_summary(summary_rows(cancelled.files, [SAMPLE_FOLDER]))
    if state != "idle":
        screen.form.leave()  # a finished import leaves the focus on its results
    return framed(screen, View.IMPORT, sample_header(), typing=screen.editing)


def history_screen(reading: bool = False) -> urwid.Widget:
    screen = HistoryScreen(utc=True)
    screen.fill("2025-06-12", "2025-06-15", "2025-06-15 15:06:40", 75)
    screen.form.focus_field(0)
    screen.show(None if reading else sample_history(), Units.BYTES, busy=reading, reset=True)
    return framed(screen, View.HISTORY, sample_header(), typing=screen.editing)


def help_screen() -> urwid.Widget:
    return help_overlay(Scroller(help_content()), live_screen())


def text_of(widget: urwid.Widget, size: tuple[int, int]) -> str:
    canvas = widget.render(size, focus=True)
    return "\n".join(line.decode("utf-8").rstrip() for line in canvas.text) + "\n"


def attrs_of(widget: urwid.Widget, size: tuple[int, int]) -> set[object]:
    """Every display attribute on the rendered canvas (each layer of a layered one)."""
    canvas = widget.render(size, focus=True)
    found: set[object] = set()
    for row in canvas.content():
        for attr, _, _ in row:
            found.update(attr.layers if isinstance(attr, urwid.util.LayeredAttr) else (attr,))
    return found


def matches_snapshot(name: str, text: str) -> bool:
    """Whether ``text`` is the stored snapshot; AssertionError with the differences if not.
    A missing snapshot is written (and fails once); NTC_UPDATE_SNAPSHOTS=1 rewrites them all."""
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        missing = not path.exists()
        path.write_text(text, encoding="utf-8")
        assert not missing, f"{path} was missing; written now"
    stored = path.read_text(encoding="utf-8")
    if stored != text:
        diff = difflib.unified_diff(
            stored.splitlines(), text.splitlines(), "stored", "rendered", lineterm=""
        )
        raise AssertionError(
            f"{name} differs from {path} (NTC_UPDATE_SNAPSHOTS=1 rewrites it):\n" + "\n".join(diff)
        )
    return True
