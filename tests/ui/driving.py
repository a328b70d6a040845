"""Runs the real Dashboard on a pseudo-terminal while a script types keys and reads the screen."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from ntc_tui.session import SessionOptions
from ntc_tui.ui.app import Dashboard, Outcome
from ntc_tui.ui.units import Units
from tests.ui.terminal import PtyTerminal

FIXTURE = Path(__file__).parent.parent / "fixtures" / "c-ntc" / "run2" / "capture.pcap"
FIXTURE_HOST = "10.200.0.1"


def options_for(tmp_path: Path, pcap: Path = FIXTURE, **changes: object) -> SessionOptions:
    """A replay of ``pcap`` with its data directory and reports under ``tmp_path`` (keep it
    short: the header shows the data directory)."""
    values: dict[str, object] = {
        "read_file": pcap,
        "host": (FIXTURE_HOST, "10.77.0.1"),
        "data_dir": tmp_path / "data",
        "report_dir": tmp_path,
        "utc": True,
    }
    values.update(changes)
    return SessionOptions(**values)  # type: ignore[arg-type]


def drive(
    terminal: PtyTerminal,
    options: SessionOptions,
    script: Callable[[Dashboard], None],
    units: Units = Units.BYTES,
    board: type[Dashboard] = Dashboard,
) -> Outcome:
    """Run the dashboard in this (the main) thread and ``script`` in another; the script ends the
    session itself (q, a signal). If the script fails, SIGTERM ends the session and the failure
    is raised here. ``board`` may be a Dashboard with a fault built in."""
    dashboard = board(options, units, screen=terminal.urwid_screen())
    failures: list[BaseException] = []

    def run_script() -> None:
        try:
            script(dashboard)
        except BaseException as failure:
            failures.append(failure)
            os.kill(os.getpid(), signal.SIGTERM)

    worker = threading.Thread(target=run_script, name="key script", daemon=True)
    worker.start()
    outcome = dashboard.run()
    worker.join(10)
    if failures:
        raise failures[0]
    return outcome
