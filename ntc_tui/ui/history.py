"""The history screen's controller: reads the stored history on a worker, shows pivot and chart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from ntc_tui.errors import NtcError
from ntc_tui.report.export import iso_day
from ntc_tui.session import Session
from ntc_tui.store import Store
from ntc_tui.ui.formview import FormController, Notify
from ntc_tui.ui.historymodel import (
    DEFAULT_CHART_SECONDS,
    MIN_CHART_SECONDS,
    HistoryQuery,
    HistoryResult,
    parse_query,
    read_history,
)
from ntc_tui.ui.jobs import Job
from ntc_tui.ui.keys import View
from ntc_tui.ui.screens.history import HistoryScreen
from ntc_tui.ui.units import Units, moment_text


class HistoryController(FormController[HistoryScreen, None, HistoryResult]):
    """Owns the history screen and its query job (one at a time)."""

    view = View.HISTORY

    def __init__(self, session: Session, wake: Callable[[], None], notify: Notify) -> None:
        super().__init__(session, wake, notify, HistoryScreen(session.options.utc))
        self.result: HistoryResult | None = None
        self._filled = False
        self._fresh = False  # a new result not drawn yet

    @property
    def page_rows(self) -> int:
        """Pivot rows on screen (one page for PgUp/PgDn)."""
        return self.screen.pivot.page_rows

    def enter(self) -> None:
        """The screen is shown: the first time, the form holds the session's days and its last
        few minutes (the whole session when shorter)."""
        if self._filled:
            return
        self._filled = True
        snapshot = self.session.snapshot(0, 0)
        end = int(snapshot.last_ts if snapshot.last_ts is not None else snapshot.now)
        begin = int(snapshot.first_ts) if snapshot.first_ts is not None else end
        start = max(begin, end - DEFAULT_CHART_SECONDS + 1)
        calendar = self.session.aggregator.calendar
        self.screen.fill(
            iso_day(calendar.code(begin)),
            iso_day(calendar.code(end)),
            moment_text(start, self.session.options.utc),
            max(MIN_CHART_SECONDS, end - start + 1),
        )
        self.screen.form.focus_field(0)

    def scroll(self, delta: int) -> None:
        """Scroll the pivot's rows."""
        self.screen.pivot.scroll(delta)

    def shift_days(self, delta: int) -> None:
        """Show later (positive) or earlier days of the pivot."""
        self.screen.pivot.shift_days(delta)

    def start(self) -> None:
        """Read the history of the form's dates and interval (off the main thread)."""
        if self.job is not None and self.job.running:
            self._notify("still reading the history…")
            return
        try:
            query = parse_query(*self.screen.values(), utc=self.session.options.utc)
        except NtcError as error:
            self._notify(str(error))
            return
        if self.session.persisting:
            self.session.flush()  # the history includes this session up to now
        store = self.session.store  # the writer this process holds, when persisting
        utc = self.session.options.utc

        def work(progress: Callable[[None], None], cancel: threading.Event) -> HistoryResult:
            return read_stored(store, self.session.options.data_dir, query, utc)

        self.job = Job("history", work, self._wake)
        self.job.start()
        self.screen.form.leave()

    def poll(self) -> bool:
        """Take a finished query; True when one has just ended."""
        if self.job is None or not self.job.running:
            return False
        self.job.poll()
        if self.job.end is None:
            return False
        if self.job.end.error:
            self._notify(f"cannot read the history: {self.job.end.error}")
        elif self.job.end.result is not None:
            self.result = self.job.end.result
            self._fresh = True
        return True

    def refresh(self, units: Units) -> None:
        """Draw the last result (or that a query runs)."""
        busy = self.job is not None and self.job.running
        self.screen.show(self.result, units, busy, reset=self._fresh)
        self._fresh = False


def read_stored(
    writer: Store | None, data_dir: Path, query: HistoryQuery, utc: bool
) -> HistoryResult:
    """Read through this process's writer when it has one, else as a reader of ``data_dir``."""
    if writer is not None:
        return read_history(writer, query, utc)
    with Store.open(data_dir, writer=False) as store:
        return read_history(store, query, utc)
