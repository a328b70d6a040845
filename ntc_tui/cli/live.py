"""The live command: `ntc-tui [IFACE] [db] [options]` — the dashboard, or --headless."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ntc_tui.cli.options import add_data_dir
from ntc_tui.errors import UsageError
from ntc_tui.session import (
    Session,
    SessionOptions,
    format_summary,
    run_headless,
    summary,
)
from ntc_tui.ui import Units, run_dashboard

Command = Callable[[argparse.Namespace], int]

DESCRIPTION = (
    "Watch a network interface live: totals in and out, the busiest connection, the top talkers, "
    "rates. With persistence on, bytes and packets per day per (source, destination) are kept in "
    "the data directory. `ntc-tui enp3s0 db` starts with persistence on, as the original did."
)
END_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def configure(parser: argparse.ArgumentParser) -> None:
    """The live command's arguments (SPEC §2)."""
    parser.add_argument(
        "interface",
        nargs="?",
        metavar="IFACE",
        help="interface to watch (default: the default route's, else the first that is up)",
    )
    parser.add_argument(
        "db_word",
        nargs="?",
        choices=["db"],
        metavar="db",
        help="the original's form: start with persistence on (same as --db)",
    )
    source = parser.add_argument_group("source")
    source.add_argument(
        "--read", type=Path, metavar="FILE", help="replay a pcap/pcapng file (no root needed)"
    )
    source.add_argument(
        "--realtime", action="store_true", help="with --read: at the recorded speed"
    )
    source.add_argument("-f", "--filter", metavar="BPF", help="capture filter, e.g. 'not port 22'")
    source.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="ADDR",
        help="an address (IP or MAC) of this host, for direction (repeatable; "
        "default: the interface's, or with --read every local interface's)",
    )
    store = parser.add_argument_group("persistence and reports")
    store.add_argument("--db", action="store_true", help="persistence on at start")
    add_data_dir(store)
    store.add_argument(
        "--flush-seconds",
        type=float,
        default=10.0,
        metavar="N",
        help="write collected counts every N seconds (default 10)",
    )
    store.add_argument(
        "--report-dir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="where the session report goes (default: the current directory)",
    )
    store.add_argument("--no-report", action="store_true", help="write no session report")
    store.add_argument("--utc", action="store_true", help="day boundaries in UTC, not local time")
    view = parser.add_argument_group("display")
    view.add_argument(
        "--units", choices=["bytes", "bits"], default="bytes", help="rates in bytes or bits"
    )
    view.add_argument(
        "--headless", action="store_true", help="no screen: capture, then print a summary"
    )
    view.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="with --headless: stop after this long (default: until a signal, or "
        "with --read the end of the file)",
    )
    view.add_argument("--json", action="store_true", help="with --headless: the summary as JSON")


def session_options(args: argparse.Namespace) -> SessionOptions:
    """Check the arguments' combinations and turn them into session options."""
    if args.read is not None and args.interface:
        raise UsageError("give an interface or --read FILE, not both")
    if args.realtime and args.read is None:
        raise UsageError("--realtime only applies to --read")
    if args.filter is not None and args.read is not None:
        raise UsageError(
            "-f/--filter is a capture filter and does not apply to --read; "
            "filter the file first, e.g. tcpdump -r IN -w OUT 'FILTER'"
        )
    if args.flush_seconds <= 0:
        raise UsageError("--flush-seconds must be a positive number of seconds")
    if args.duration is not None and (args.duration <= 0 or not args.headless):
        raise UsageError("--duration takes a positive number of seconds and needs --headless")
    if args.json and not args.headless:
        raise UsageError("--json goes with --headless")
    return SessionOptions(
        interface=args.interface,
        read_file=args.read,
        realtime=args.realtime,
        bpf_filter=args.filter,
        host=tuple(args.host),
        persist=args.db or args.db_word == "db",
        data_dir=args.db_dir,
        report_dir=None if args.no_report else args.report_dir,
        utc=args.utc,
        flush_seconds=args.flush_seconds,
    )


def run(args: argparse.Namespace) -> int:
    """Run the dashboard or a headless session; exit 0, or the failed capture's exit code."""
    options = session_options(args)
    if not args.headless:
        return dashboard(options, Units(args.units))
    wake, stop = threading.Event(), threading.Event()
    session = Session(options, wake=wake.set)
    with stop_on_signals(stop):
        session.start()
        try:
            run_headless(session, args.duration, stop, wake)
        finally:
            report = session.stop()
    data = summary(session, session.snapshot(), report)
    print(json.dumps(data, indent=2) if args.json else format_summary(data))
    return session.exit_code


def dashboard(options: SessionOptions, units: Units) -> int:
    """The full-screen dashboard; once the screen is gone, what ended and where the report is."""
    outcome = run_dashboard(options, units)
    with suppress(OSError):  # after SIGHUP the terminal may be gone: the report is written anyway
        if outcome.error:
            print(f"capture error: {outcome.error}", file=sys.stderr)
        if outcome.flush_error:
            print(f"not saved: {outcome.flush_error}", file=sys.stderr)
        if outcome.report is not None:
            print(f"session report: {outcome.report}")
    if outcome.failure is not None:
        raise outcome.failure  # after the report: the command line says what went wrong
    return outcome.exit_code


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP end the session the way its normal end does."""
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in END_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
