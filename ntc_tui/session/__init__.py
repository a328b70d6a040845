"""Capture sessions: the controller shared by the dashboard and --headless, and the summary."""

from ntc_tui.session.controller import CaptureState, Session, SessionOptions
from ntc_tui.session.headless import format_summary, run_headless, summary

__all__ = ["CaptureState", "Session", "SessionOptions", "format_summary", "run_headless", "summary"]
