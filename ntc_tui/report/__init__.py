"""Reports of SPEC §7: the session report, the history pivot, protocol statistics."""

from ntc_tui.report.pivot import build_pivot, parse_day, parse_ip
from ntc_tui.report.pivotdata import Pivot, PivotQuery, PivotRow, SortKey
from ntc_tui.report.protocols import ProtocolBucket, Resolution, day_span, protocol_series
from ntc_tui.report.session import SessionReport, render_session_report, write_session_report

__all__ = [
    "Pivot",
    "PivotQuery",
    "PivotRow",
    "ProtocolBucket",
    "Resolution",
    "SessionReport",
    "SortKey",
    "build_pivot",
    "day_span",
    "parse_day",
    "parse_ip",
    "protocol_series",
    "render_session_report",
    "write_session_report",
]
