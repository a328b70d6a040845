"""The dashboard: the MainLoop, the wake pipe, the one-second tick, keys to actions, a clean end."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import urwid

from ntc_tui.aggregate import Snapshot
from ntc_tui.errors import NtcError, UsageError
from ntc_tui.session import CaptureState, Session, SessionOptions
from ntc_tui.ui.history import HistoryController
from ntc_tui.ui.importing import ImportController
from ntc_tui.ui.keys import Action, View, footer_items, lookup
from ntc_tui.ui.palette import urwid_palette
from ntc_tui.ui.screens.frame import Footer, Header, ScreenFrame
from ntc_tui.ui.screens.help import help_content, help_overlay
from ntc_tui.ui.screens.live import LiveScreen
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import header_model
from ntc_tui.ui.widgets import Scroller

TICK_SECONDS = 1.0  # the screen refreshes on this timer, never per packet
WAKE_SPACING = 0.2  # workers wake the loop at most this often (see _on_wake)
NOTICE_SECONDS = 6.0
JOB_STOP_SECONDS = 5.0
END_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FAR = 1 << 30  # a scroll distance past any end


@dataclass(frozen=True)
class Outcome:
    """How the dashboard ended, for the command line to report after the screen is gone."""

    report: Path | None
    state: CaptureState
    error: str | None
    flush_error: str | None
    exit_code: int  # how the capture ended (SPEC §2), as the session tells it
    failure: Exception | None = None  # a bug that ended the loop (the session was still ended)


class Waker:
    """Wakes the MainLoop from any thread: one byte in its pipe, only if no wake is pending."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending = False
        self._lock = threading.Lock()  # closing must not race a worker's write
        self._closed = False

    def wake(self) -> None:
        """Called by workers after they put something on their queue."""
        if self._pending:
            return
        with self._lock:
            if not self._closed and not self._pending:
                self._pending = True
                os.write(self._fd, b"w")

    def woken(self) -> None:
        """Called by the main thread before it drains the queues: the next put wakes again."""
        self._pending = False

    def close(self) -> None:
        """Close the pipe's write end (after this, wakes are ignored)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._fd)


class KeyRouter(urwid.WidgetWrap[urwid.Widget]):
    """The top widget: every key goes through the dashboard's key table."""

    def __init__(self, widget: urwid.Widget, route: Callable[..., str | None]) -> None:
        super().__init__(widget)
        self._route = route

    def set_widget(self, widget: urwid.Widget) -> None:
        """Show ``widget`` (the frame, or the help over it)."""
        self._w = widget

    def selectable(self) -> bool:
        return True  # keys must reach the table even when no child widget takes the focus

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]
        return self._route(size, key, super().keypress)


class Dashboard:
    """One live session on screen. Only the main thread (the loop's) touches widgets and the
    session; the capture and the jobs hand their data over through queues and the wake pipe."""

    def __init__(
        self,
        options: SessionOptions,
        units: Units = Units.BYTES,
        screen: urwid.display.raw.Screen | None = None,
    ) -> None:
        self.units = units
        self.view = View.LIVE
        self.help_open = False
        self.paused = False
        self.offset = 0
        self.snapshot: Snapshot | None = None
        self.shown: Snapshot | None = None  # what the live panels show (kept while paused)
        self._notice: tuple[str, float] | None = None
        self._end_requested = False
        self.header = Header()
        self.footer = Footer()
        self.live = LiveScreen()
        self.help = Scroller(help_content())
        self.frame = ScreenFrame(self.live, self.header, self.footer)
        self.router = KeyRouter(self.frame, self._route_key)
        self.loop = urwid.MainLoop(
            self.router,
            urwid_palette(),
            screen=screen or urwid.display.raw.Screen(),
            handle_mouse=False,
        )
        self._wake_fd = self.loop.watch_pipe(self._on_wake)
        self._waker = Waker(self._wake_fd)
        self._signal_fd = self.loop.watch_pipe(self._on_signal)
        self.session = Session(options, wake=self._waker.wake)
        self.imports = ImportController(self.session, self._waker.wake, self.show_notice)
        self.history = HistoryController(self.session, self._waker.wake, self.show_notice)
        self.actions: dict[Action, Callable[[], None]] = {
            Action.QUIT: self.quit,
            Action.PERSISTENCE: self.toggle_persistence,
            Action.IMPORT: lambda: self.show_view(View.IMPORT),
            Action.HISTORY: lambda: self.show_view(View.HISTORY),
            Action.PAUSE: self.toggle_pause,
            Action.SORT: self.next_sort,
            Action.UNITS: self.toggle_units,
            Action.HELP: self.toggle_help,
            Action.BACK: self.back,
            Action.START: lambda: self._side().start(),
            Action.CANCEL: self.imports.cancel,
            Action.NEXT_FIELD: lambda: self._side().next_field(),
            Action.EARLIER: lambda: self.shift_days(-1),
            Action.LATER: lambda: self.shift_days(1),
            Action.DELETE_START: lambda: self._side().delete_before_cursor(word=False),
            Action.DELETE_WORD: lambda: self._side().delete_before_cursor(word=True),
        }
        for action in (
            Action.UP,
            Action.DOWN,
            Action.PAGE_UP,
            Action.PAGE_DOWN,
            Action.TOP,
            Action.BOTTOM,
        ):
            self.actions[action] = lambda action=action: self.scroll(action)  # type: ignore[misc]

    # --- running -------------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Start the session, show it until quit (or a signal), then end it on every path:
        jobs stopped, capture stopped, flushed, the report written, the terminal restored."""
        report = None
        failure: Exception | None = None
        with _ending_signals(self._request_end):  # a signal while starting ends at the first pass
            try:
                self.session.start()  # usage, permission, storage errors: before any screen
                try:
                    self.refresh()
                    self.loop.set_alarm_in(TICK_SECONDS, self._tick)
                    self.loop.run()  # restores the terminal however it ends
                except Exception as error:  # a bug: still save and report; the CLI names it
                    if not (self._end_requested and isinstance(error, OSError)):
                        failure = error  # (after SIGHUP the terminal may be gone: no bug)
                finally:
                    self.imports.shutdown(JOB_STOP_SECONDS)
                    self.history.shutdown(JOB_STOP_SECONDS)
                    report = self.session.stop()
            finally:
                self.close()
        session = self.session
        return Outcome(
            report, session.state, session.error, session.flush_error, session.exit_code, failure
        )

    def close(self) -> None:
        """Remove the wake pipes from the loop and close them (after the workers ended)."""
        self.loop.remove_watch_pipe(self._wake_fd)
        self._waker.close()
        if self._signal_fd >= 0:
            self.loop.remove_watch_pipe(self._signal_fd)
            os.close(self._signal_fd)
            self._signal_fd = -1

    def _request_end(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler (main thread, any moment): only a flag and a byte in a pipe."""
        self._end_requested = True
        with contextlib.suppress(OSError):
            os.write(self._signal_fd, b"s")

    def _on_signal(self, data: bytes) -> bool:
        if self._end_requested:
            raise urwid.ExitMainLoop
        return True

    def _on_wake(self, data: bytes) -> bool:
        """A worker delivered: take it in, and let the next wake come only WAKE_SPACING later.

        A live capture hands over thousands of small batches a second; a loop pass for each
        would cost more than counting them. The wake stays pending until ``_rearm``, which takes
        what came meanwhile: nothing waits longer than WAKE_SPACING, nothing is lost."""
        self._take_deliveries()
        self.loop.set_alarm_in(WAKE_SPACING, self._rearm)
        return True

    def _rearm(self, loop: urwid.MainLoop, user_data: object = None) -> None:
        self._waker.woken()
        self._take_deliveries()

    def _take_deliveries(self) -> None:
        """Move what the capture and the jobs delivered in; redraw only if something ended or
        the capture state changed (starting → running shows at once)."""
        state = self.session.state
        ended = self.session.pump()
        finished = self.imports.poll() | self.history.poll()
        if ended:
            self.session.tick()  # the last counts and the end show at once
        if ended or finished or self.session.state is not state:
            self.refresh()

    def _tick(self, loop: urwid.MainLoop, user_data: object = None) -> None:
        """Once a second: fold the counts, flush when due, redraw; then re-arm."""
        started = time.monotonic()
        self.session.pump()
        self.session.tick()
        self.imports.poll()
        self.history.poll()
        self.refresh()
        spent = time.monotonic() - started
        loop.set_alarm_in(max(0.1, TICK_SECONDS - spent), self._tick)

    # --- drawing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Bring every visible widget up to date with the session."""
        now = time.time()
        rows = self.loop.screen.get_cols_rows()[1]
        snapshot = self.session.snapshot(self.offset, rows)
        self.snapshot = snapshot
        if not self.paused or self.shown is None:
            self.shown = snapshot
        activity = self.imports.activity()
        self.header.update(header_model(self.session, snapshot, now, self.paused, activity))
        if self.view is View.LIVE:
            self.live.show(self.shown, self.units)
        else:
            self._side().refresh(self.units)
        if self._notice and now - self._notice[1] > NOTICE_SECONDS:
            self._notice = None
        view = View.HELP if self.help_open else self.view
        typing = self._typing()
        items = footer_items(view, typing=typing)
        self.footer.update(items, self._notice[0] if self._notice else None, typing)

    def show_notice(self, text: str) -> None:
        """A one-line message above the keys for a few seconds."""
        self._notice = (text, time.time())
        self.refresh()

    # --- keys ----------------------------------------------------------------------------------

    def _typing(self) -> bool:
        """Whether a text field of the import or history form takes the keys."""
        return not self.help_open and self.view is not View.LIVE and self._side().editing

    def _route_key(
        self, size: tuple[int, int], key: str, pass_on: Callable[[tuple[int, int], str], str | None]
    ) -> str | None:
        """A text field being edited gets keys first; otherwise the key table does."""
        view = View.HELP if self.help_open else self.view
        typing = self._typing()
        rest: str | None = pass_on(size, key) if typing else key
        if rest is not None:
            action = lookup(view, rest)
            if action is None:
                rest = rest if typing else pass_on(size, rest)
            else:
                self.actions[action]()
                rest = None
        if typing != self._typing():  # the focus left or entered a text field: other keys act
            self.refresh()
        return rest

    def _side(self) -> ImportController | HistoryController:
        return self.imports if self.view is View.IMPORT else self.history

    def quit(self) -> None:
        """End the session (the loop stops; ``run`` saves and writes the report)."""
        raise urwid.ExitMainLoop

    def toggle_persistence(self) -> None:
        """DB persistence on or off; the header shows the new state at once."""
        turning_on = not self.session.persisting
        if not turning_on and (self.imports.holds_store() or self.history.holds_store()):
            self.show_notice("the data directory is in use (import, history): persistence stays on")
            return
        try:
            self.session.set_persistence(turning_on)
        except NtcError as error:  # a locked or unusable data directory: say so, keep going
            self.show_notice(f"persistence stays off: {error}")
            return
        self.show_notice("DB persistence ON" if self.session.persisting else "DB persistence OFF")

    def show_view(self, view: View) -> None:
        """Switch to ``view`` (the live screen, import or history)."""
        self.view = view
        self.help_open = False
        self.router.set_widget(self.frame)
        self.frame.set_body(self.live if view is View.LIVE else self._side().widget)
        if view is not View.LIVE:
            self._side().enter()
        self.refresh()

    def back(self) -> None:
        """Close the help, or go back to the live screen."""
        if self.help_open:
            self.toggle_help()
        else:
            self.show_view(View.LIVE)

    def toggle_help(self) -> None:
        """Show or hide the key help over the current screen."""
        self.help_open = not self.help_open
        self.router.set_widget(
            help_overlay(self.help, self.frame) if self.help_open else self.frame
        )
        self.refresh()

    def toggle_pause(self) -> None:
        """Freeze or resume the traffic panels; the capture and the header go on."""
        self.paused = not self.paused
        self.refresh()

    def next_sort(self) -> None:
        """Rank the top table by the next measure."""
        if self._refuse_while_paused():
            return
        current = self.snapshot.sort if self.snapshot else None
        if current is not None:
            self.session.set_sort(current.next())
        self.offset = 0
        self.refresh()

    def toggle_units(self) -> None:
        """Bytes or bits."""
        self.units = self.units.other()
        self.refresh()

    def scroll(self, action: Action) -> None:
        """Move the current view's scrolling list."""
        if self.help_open:
            self.help.scroll(_delta(action, self.help.page_rows))
            return
        if self.view is not View.LIVE:
            self._side().scroll(_delta(action, self._side().page_rows))
            self.refresh()
            return
        if self._refuse_while_paused():
            return
        page = self.live.page_rows
        last = max(0, (self.snapshot.pair_count if self.snapshot else 0) - page)
        self.offset = max(0, min(last, self.offset + _delta(action, page)))
        self.refresh()

    def shift_days(self, delta: int) -> None:
        """Earlier or later days of the history's pivot."""
        self.history.shift_days(delta)
        self.refresh()

    def _refuse_while_paused(self) -> bool:
        if self.paused:
            self.show_notice("the display is paused: p resumes it")
        return self.paused


def _delta(action: Action, page: int) -> int:
    """How many lines a scroll action moves."""
    return {
        Action.UP: -1,
        Action.DOWN: 1,
        Action.PAGE_UP: -page,
        Action.PAGE_DOWN: page,
        Action.TOP: -FAR,
        Action.BOTTOM: FAR,
    }[action]


@contextlib.contextmanager
def _ending_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP call ``handler`` (the session ends as on q)."""
    previous = {sig: signal.signal(sig, handler) for sig in END_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_dashboard(options: SessionOptions, units: Units = Units.BYTES) -> Outcome:
    """The live dashboard on this terminal, until the user quits or a signal ends it."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the dashboard needs a terminal: run it in one, or use --headless")
    return Dashboard(options, units).run()
