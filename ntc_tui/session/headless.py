"""Runs a session without a screen (--headless) and renders its summary as text or JSON."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ntc_tui.aggregate import PairRow, Snapshot
from ntc_tui.records import format_address
from ntc_tui.session.controller import DirectionSource, Session

TOP_ROWS = 10
DIRECTION_TEXT = {
    DirectionSource.INTERFACE: "direction: OUT from the interface's addresses",
    DirectionSource.HOST_OPTION: "direction: OUT from the --host addresses",
    DirectionSource.LOCAL_ADDRESSES: (
        "direction: OUT from this machine's addresses (another host's capture? use --host)"
    ),
}


def run_headless(
    session: Session, duration: float | None, stop: threading.Event, wake: threading.Event
) -> None:
    """Count until ``duration`` seconds passed, ``stop`` is set (a signal), or a replayed file ends.

    ``wake`` is the event the session's capture sets after each delivery.
    """
    started = time.monotonic()
    deadline = None if duration is None else started + duration
    next_tick = started + 1.0
    while True:
        now = time.monotonic()
        limit = next_tick if deadline is None else min(next_tick, deadline)
        if wake.wait(max(0.0, limit - now)):
            wake.clear()
        ended = session.pump()
        now = time.monotonic()
        if now >= next_tick:
            session.tick()
            next_tick = now + 1.0
        if ended or stop.is_set() or (deadline is not None and now >= deadline):
            return


def summary(session: Session, snapshot: Snapshot, report: Path | None) -> dict[str, Any]:
    """The session summary (SPEC §2 --json): totals, top connections, protocols, coverage."""

    def pair(row: PairRow) -> dict[str, Any]:
        return {
            "src": format_address(row.src),
            "dst": format_address(row.dst),
            "bytes": row.bytes,
            "packets": row.packets,
        }

    return {
        "interface": session.interface,
        "addresses": list(session.addresses),
        "direction": str(session.direction_source),
        "capture": {"state": str(session.state), "error": session.error},
        "start": session.started_at,
        "stop": session.stopped_at,
        "first_packet": snapshot.first_ts,
        "last_packet": snapshot.last_ts,
        "in": {"bytes": snapshot.inbound.bytes, "packets": snapshot.inbound.packets},
        "out": {"bytes": snapshot.outbound.bytes, "packets": snapshot.outbound.packets},
        "peak_bytes_per_second": {
            "in": snapshot.inbound.rates.peak,
            "out": snapshot.outbound.rates.peak,
        },
        "pairs": snapshot.pair_count,
        "busiest": pair(snapshot.busiest) if snapshot.busiest else None,
        "busiest_reverse": pair(snapshot.busiest_reverse) if snapshot.busiest_reverse else None,
        "top": [pair(row) for row in snapshot.top[:TOP_ROWS]],
        "protocols": [
            {"name": p.name, "bytes": p.bytes, "packets": p.packets, "share": round(p.share, 4)}
            for p in snapshot.protocols
        ],
        "coverage": snapshot.coverage,
        "dropped": snapshot.interface_dropped,
        "persistence": {
            "on": session.options.persist,
            "data_dir": str(session.options.data_dir),
            "error": session.flush_error,
        },
        "report": str(report) if report else None,
    }


def format_summary(data: dict[str, Any]) -> str:
    """The session summary as a few lines of text."""
    lines = [
        f"interface {data['interface']} ({', '.join(data['addresses']) or 'no address'}): "
        f"capture {data['capture']['state']}"
        + (f" — {data['capture']['error']}" if data["capture"]["error"] else ""),
        DIRECTION_TEXT[DirectionSource(data["direction"])],
        f"IN  {data['in']['bytes']:>15,} bytes {data['in']['packets']:>12,} packets",
        f"OUT {data['out']['bytes']:>15,} bytes {data['out']['packets']:>12,} packets",
    ]
    if data["coverage"] is not None:
        lines.append(
            f"coverage {data['coverage']:.1%} of the interface's bytes, "
            f"{data['dropped']} dropped by the interface"
        )
    if data["busiest"]:
        busiest = data["busiest"]
        lines.append(
            f"max activity {busiest['src']} > {busiest['dst']}: {busiest['bytes']:,} bytes"
        )
    if data["top"]:
        lines.append(f"top connections ({data['pairs']} pairs):")
        lines += [
            f"  {row['src']:>39} > {row['dst']:<39} {row['bytes']:>14,} B {row['packets']:>10,} pk"
            for row in data["top"]
        ]
    if data["protocols"]:
        lines.append("protocols:")
        lines += [
            f"  {p['name']:<8} {p['bytes']:>14,} B {p['packets']:>10,} pk {p['share']:>7.1%}"
            for p in data["protocols"]
        ]
    if data["persistence"]["error"]:
        lines.append(f"not saved: {data['persistence']['error']}")
    if data["report"]:
        lines.append(f"report: {data['report']}")
    return "\n".join(lines)
