"""Capture sessions: the controller shared by the dashboard and --headless, and the summary."""

from ntc_tui.session.controller import CaptureState, DirectionSource, Session, SessionOptions
from ntc_tui.session.headless import format_summary, run_headless, summary

__all__ = [
    "CaptureState",
    "DirectionSource",
    "Session",
    "SessionOptions",
    "format_summary",
    "run_headless",
    "summary",
]
