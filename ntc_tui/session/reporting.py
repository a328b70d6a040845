"""Turns an ended session into the session report of SPEC §7 and writes it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ntc_tui.records import address_family
from ntc_tui.report import SessionReport, write_session_report
from ntc_tui.store import ConnectionRow

if TYPE_CHECKING:
    from ntc_tui.session.controller import Session


def write_report(session: Session, directory: Path) -> Path:
    """Write the session report into ``directory``; returns its path."""
    return write_session_report(directory, report_data(session))


def report_data(session: Session) -> SessionReport:
    """The session's figures in the report's terms."""
    aggregator = session.aggregator
    rows = sorted(  # IPv4 rows, then IPv6 rows, each in (day, src, dst) order
        (
            ConnectionRow(day, src, dst, volume, packets)
            for (day, src, dst), (volume, packets) in aggregator.day_pairs.items()
        ),
        key=lambda row: (address_family(row.src), row),
    )
    in_bytes, in_packets, out_bytes, out_packets = aggregator.totals
    coverage = aggregator.coverage
    replaying = session.replaying
    start, stop = session.span
    return SessionReport(
        interface=session.interface,
        addresses=session.addresses,
        start=start,
        stop=stop,
        utc=session.options.utc,
        inbound=(in_bytes, in_packets),
        outbound=(out_bytes, out_packets),
        rows=rows,
        protocols=sorted(
            ((name, volume, packets) for name, (volume, packets) in aggregator.protocols.items()),
            key=lambda item: (-item[1], item[0]),
        ),
        captured_bytes=coverage.captured_bytes if not replaying else in_bytes + out_bytes,
        interface_bytes=None if replaying else coverage.interface_bytes,
        dropped=None if replaying else coverage.dropped,
    )
