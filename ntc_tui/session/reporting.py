"""Turns an ended session into the session report of SPEC §7 and writes it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ntc_tui.session.controller import Session


def write_report(session: Session, directory: Path) -> Path:
    """Write the session report into ``directory``; returns its path."""
    from ntc_tui import report  # noqa: PLC0415  (lands with the reports work)

    return report.write_session_report(directory, report_data(session))  # type: ignore[attr-defined,no-any-return]


def report_data(session: Session) -> object:
    """The session's figures in the report's terms."""
    raise NotImplementedError
