"""The import screen's controller: runs the importer on a worker while the capture goes on."""

from __future__ import annotations

import datetime
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ntc_tui.errors import NtcError, UsageError
from ntc_tui.importer import (
    FileSummary,
    ImportOptions,
    ImportProgress,
    ImportSummary,
    collect_paths,
    run_import,
)
from ntc_tui.importer.model import CONTINUED, IMPORTED, printable
from ntc_tui.records import decode_date
from ntc_tui.report import parse_day
from ntc_tui.session import Session
from ntc_tui.ui import units
from ntc_tui.ui.formview import FormController, Notify
from ntc_tui.ui.jobs import Job
from ntc_tui.ui.keys import View
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.screens.imports import ImportScreen
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import Markup

SummaryRow = tuple[tuple[str, ...], Attr]
EXAMPLES_SHOWN = 3  # rejected lines quoted per file


class ImportController(FormController[ImportScreen, ImportProgress, ImportSummary]):
    """Owns the import screen and at most one running import job."""

    view = View.IMPORT

    def __init__(self, session: Session, wake: Callable[[], None], notify: Notify) -> None:
        super().__init__(session, wake, notify, ImportScreen(str(session.options.data_dir)))
        self._started = 0.0  # monotonic time the running import started
        self._roots: list[Path] = []

    @property
    def page_rows(self) -> int:
        """Summary lines on screen (one page for PgUp/PgDn)."""
        return self.screen.summary.page_rows

    def enter(self) -> None:
        """The screen is shown: the path field has the focus until a first import starts; after
        one, the results keep it (letters are commands; Tab goes to the path for a new one)."""
        if self.job is None:
            self.screen.form.focus_field(0)

    def next_field(self) -> None:
        """Tab: the next field of the form (none while an import runs)."""
        if not self.screen.running:
            super().next_field()

    def scroll(self, delta: int) -> None:
        """Scroll the per-file summary."""
        self.screen.summary.scroll(delta)

    def start(self) -> None:
        """Import the form's paths into the data directory, off the main thread."""
        if self.holds_store():
            self._notify("an import is running: c cancels it")
            return
        try:
            roots, options = self._form_values()
            store = self.session.writer_store()
        except NtcError as error:
            self._notify(str(error))
            return

        def work(
            progress: Callable[[ImportProgress], None], cancel: threading.Event
        ) -> ImportSummary:
            paths = collect_paths(roots, options.recursive)  # a big folder takes a while
            if not paths:
                raise UsageError("there are no files to import there")
            progress(ImportProgress(0, len(paths), 0, 0, 0, None))  # how many, at once
            return run_import(paths, store, options, progress, cancel)

        self._roots = roots
        self._started = time.monotonic()
        self.job = Job("import", work, self._wake)
        self.screen.set_running(" ".join(str(root) for root in roots))
        self.screen.show_progress(0.0, [(Attr.DIM, "looking for files…")])
        self.screen.show_summary([])
        self.job.start()

    def _form_values(self) -> tuple[list[Path], ImportOptions]:
        """The paths and options of the form; UsageError if not valid."""
        roots = field_paths(self.screen.path.edit_text)
        date_text = self.screen.date.edit_text.strip()
        date = None
        if date_text:
            date = datetime.date(*decode_date(parse_day(date_text)))
        options = ImportOptions(
            recursive=self.screen.recursive.get_state() is True,
            force=self.screen.force.get_state() is True,
            date=date,
            utc=self.session.options.utc,
        )
        return roots, options

    def cancel(self) -> None:
        """Stop the running import after the batch it is in."""
        if not self.holds_store():
            self._notify("no import is running")
            return
        assert self.job is not None
        self.job.cancel()
        self._notify("cancelling the import after the current batch…")

    def poll(self) -> bool:
        """Take the worker's progress; True when the import has just ended."""
        if self.job is None or not self.job.running:
            return False
        self.job.poll()
        return self._finish(self.job)

    def _finish(self, job: Job[ImportProgress, ImportSummary]) -> bool:
        """Show how the import ended, if it has; True if it has."""
        end = job.end
        if end is None:
            return False
        self.screen.set_running(None)
        if not self.session.persisting and self.session.store is not None:
            self.session.store.close()  # opened for this import only: free the directory
            self.session.store = None
        reached = fraction(job.progress) if job.progress is not None else 0.0
        if end.error:
            self._notify(f"import failed: {end.error}")
            line: Markup = [(Attr.ERROR, f"import failed: {end.error}")]
            self.screen.show_progress(reached, line, "failed")
            return True
        summary = end.result
        assert summary is not None
        self.screen.show_summary(summary_rows(summary.files, self._roots))
        found = job.progress.files_total if job.progress is not None else 0
        if summary.cancelled:  # the bar stays where the import stopped
            self.screen.show_progress(reached, summary_line(summary, found), "cancelled")
        else:
            self.screen.show_progress(1.0, summary_line(summary, found))
        self._notify("import cancelled" if summary.cancelled else "import finished")
        return True

    def refresh(self, unit: Units) -> None:
        """Draw the running import's progress."""
        if self.job is None or not self.job.running or self.job.progress is None:
            return
        progress = self.job.progress
        elapsed = time.monotonic() - self._started
        self.screen.show_progress(fraction(progress), progress_line(progress, elapsed, unit))

    def activity(self) -> str | None:
        """A few words for the header while an import runs."""
        if not self.holds_store():
            return None
        assert self.job is not None
        progress = self.job.progress
        return "importing" if progress is None else f"import {fraction(progress):.0%}"


def field_paths(text: str) -> list[Path]:
    """The path field's paths: the whole field when it names something that exists (spaces and
    all), else its shell-style words (quoted as in a shell); UsageError if there are none."""
    whole = Path(text.strip()).expanduser()
    if text.strip() and whole.exists():
        return [whole]
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise UsageError(f"the path field cannot be read: {error}") from None
    if not words:
        raise UsageError("type the path of a file or folder to import")
    return [Path(word).expanduser() for word in words]


def fraction(progress: ImportProgress) -> float:
    """How much is done, by bytes (by files while the sizes are unknown)."""
    if progress.bytes_total > 0:
        return min(1.0, progress.bytes_done / progress.bytes_total)
    return progress.files_done / progress.files_total if progress.files_total else 0.0


def progress_line(progress: ImportProgress, elapsed: float, unit: Units) -> Markup:
    """Files, bytes, packets, rate and ETA of a running import, and the file being read."""
    speed = progress.bytes_done / elapsed if elapsed > 0 else 0.0
    left = max(0, progress.bytes_total - progress.bytes_done)
    parts = [
        f"files {progress.files_done}/{progress.files_total}",
        f"{units.volume(progress.bytes_done)} of {units.volume(progress.bytes_total)}",
        f"{units.count(progress.packets)} packets",
        units.rate(speed, unit),
        f"ETA {units.eta(left, speed)}",
    ]
    markup: Markup = [(Attr.BODY, " · ".join(parts))]
    if progress.current is not None:
        markup.append((Attr.DIM, f" · {printable(progress.current.name)}"))
    return markup


def summary_line(summary: ImportSummary, files_total: int) -> Markup:
    """The import's totals under the bar once it ended (``files_total``: the files it found)."""
    counted = sum(1 for f in summary.files if f.status in (IMPORTED, CONTINUED))
    text = (
        f"{counted} of {max(files_total, len(summary.files))} files imported · "
        f"{units.count(summary.packets)} packets · {units.volume(summary.bytes)}"
    )
    if summary.cancelled:
        return [(Attr.NOTICE, "cancelled · "), (Attr.BODY, text)]
    return [(Attr.BODY, text)]


def shown_name(path: Path, roots: Sequence[Path]) -> str:
    """A file's path relative to the folder it was found in (its name for a file given)."""
    for root in roots:
        if path != root and path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def summary_rows(files: Sequence[FileSummary], roots: Sequence[Path]) -> list[SummaryRow]:
    """Per file: what happened, packets and volume; under it how it was read, the rejected
    lines by reason and the first few examples."""
    rows: list[SummaryRow] = []
    for file in files:
        rejected = file.rejected_lines
        result = file.status + (f", {rejected:,} lines rejected" if rejected else "")
        attr = Attr.ERROR if file.failed else Attr.BODY if file.packets else Attr.DIM
        volume = units.volume(file.bytes) if file.packets else ""
        packets = units.count(file.packets) if file.packets else ""
        name = shown_name(file.path, roots)
        rows.append(((printable(name), printable(result), packets, volume), attr))
        text = file.length_rule and not file.kind.startswith("pcap")  # pcap: the frame length
        how = f"{file.kind}, length from {file.length_rule}" if text else ""
        for note in (how, file.note):
            if note:
                rows.append(((printable(note),), Attr.DIM))
        for reason, count in sorted(file.rejected.items(), key=lambda item: -item[1]):
            rows.append(((f"{reason}: {count:,}",), Attr.NOTICE))
        for example in file.examples[:EXAMPLES_SHOWN]:  # "path:line: reason: text"
            where = example.removeprefix(str(file.path)).removeprefix(":")
            rows.append(((printable(f"line {where}"),), Attr.DIM))
    return rows
