"""`ntc-tui report`: the stored history as the original's pivot, or protocols over time."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ntc_tui.cli.options import add_data_dir
from ntc_tui.errors import UsageError
from ntc_tui.records import Address, format_address
from ntc_tui.report import (
    PivotQuery,
    Resolution,
    SortKey,
    build_pivot,
    day_span,
    parse_day,
    parse_ip,
    protocol_series,
)
from ntc_tui.report.bulk import collector_paused
from ntc_tui.report.export import iso_day, pivot_csv, pivot_json, protocols_csv, protocols_json
from ntc_tui.report.text import pivot_text, protocols_text
from ntc_tui.store import Store

NAME = "report"
SUMMARY = "report the stored history: bytes/packets per (src, dst) per day, or protocols over time"
FORMATS = ("text", "csv", "json")
BATCH_LINES = 1024  # lines joined into one write


def configure(parser: argparse.ArgumentParser) -> None:
    """The report's options (SPEC §7)."""
    add_data_dir(parser)
    parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day reported")
    parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day reported")
    parser.add_argument("--ip", metavar="ADDR", help="only pairs with this address on either side")
    parser.add_argument(
        "--top", metavar="N", help="only the N largest pairs (by --sort packets: most packets)"
    )
    parser.add_argument(
        "--sort",
        choices=[key.value for key in SortKey],
        default=None,
        help="row order (default: bytes, largest first; address: as the original)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output (default: text)")
    parser.add_argument(
        "--protocols",
        action="store_true",
        help="protocol statistics from the per-second store instead of the pivot",
    )
    parser.add_argument(
        "--resolution",
        choices=[resolution.value for resolution in Resolution],
        default=None,
        help="with --protocols: bucket width (default: hour)",
    )
    parser.add_argument(
        "--utc", action="store_true", help="with --protocols: days and times in UTC, not local time"
    )


@dataclass(frozen=True)
class Range:
    """The days asked for and how to say them."""

    first_day: int | None
    last_day: int | None

    def phrase(self) -> str:
        """The range in words, e.g. "from 2026-03-01 to 2026-03-07" or "on 2026-03-01"."""
        first = None if self.first_day is None else iso_day(self.first_day)
        last = None if self.last_day is None else iso_day(self.last_day)
        if first and last:
            return f"from {first} to {last}" if first != last else f"on {first}"
        if first:
            return f"from {first} on"
        return f"up to {last}" if last else "in the stored history"


def parse_range(args: argparse.Namespace) -> Range:
    """--from and --to as date codes; UsageError when malformed or reversed."""
    first = None if args.first is None else parse_day(args.first)
    last = None if args.last is None else parse_day(args.last)
    if first is not None and last is not None and first > last:
        raise UsageError(f"--from {args.first} is after --to {args.last}; swap them")
    return Range(first, last)


def parse_top(text: str | None) -> int | None:
    """--top as a positive count; UsageError otherwise."""
    if text is None:
        return None
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:  # not "²" nor "٣"
        raise UsageError(f"--top {text!r} is not a positive whole number")
    return int(digits)


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 also when there is nothing to report (a message says so)."""
    with collector_paused():
        return report(args)


def report(args: argparse.Namespace) -> int:
    """The report asked for, after checking every option."""
    days = parse_range(args)
    if args.protocols:
        if args.ip is not None or args.top is not None or args.sort is not None:
            raise UsageError(
                "--ip, --top and --sort order the pivot; leave them out with --protocols"
            )
        return protocols_report(args, days)
    if args.utc or args.resolution is not None:
        raise UsageError(
            "--utc and --resolution apply to --protocols only (the pivot's days are the "
            "days as they were stored); add --protocols or leave them out"
        )
    ip = None if args.ip is None else parse_ip(args.ip)
    sort = SortKey(args.sort or SortKey.BYTES)
    query = PivotQuery(days.first_day, days.last_day, ip, parse_top(args.top), sort)
    return pivot_report(args, query, days)


Renderers = dict[str, Callable[[], Iterable[str]]]


def pivot_report(args: argparse.Namespace, query: PivotQuery, days: Range) -> int:
    """The pivot of the stored connections, or why there is none."""
    path: Path = args.db_dir
    with Store.open(path, writer=False) as store:
        pivot = build_pivot(store, query)
        stored = bool(pivot.rows) or next(store.connections(), None) is not None
    renderers: Renderers = {
        "text": lambda: pivot_text(pivot),
        "csv": lambda: pivot_csv(pivot),
        "json": lambda: [pivot_json(pivot)],
    }
    message = None if pivot.rows else empty_message(path, stored, query.ip, days)
    emit(renderers[args.format], args.format, message)
    return 0


def protocols_report(args: argparse.Namespace, days: Range) -> int:
    """Protocol statistics of the per-second store, or why there are none."""
    path: Path = args.db_dir
    resolution, utc = Resolution(args.resolution or Resolution.HOUR), args.utc
    first_second, last_second = day_span(days.first_day, days.last_day, utc)
    with Store.open(path, writer=False) as store:
        series = protocol_series(store, first_second, last_second, resolution, utc)
        stored = bool(series) or next(store.protocol_cells(), None) is not None
    renderers: Renderers = {
        "text": lambda: protocols_text(series, resolution, utc),
        "csv": lambda: protocols_csv(series, resolution, utc),
        "json": lambda: [protocols_json(series, resolution, utc)],
    }
    message = None if series else empty_message(path, stored, None, days, "protocol statistics")
    emit(renderers[args.format], args.format, message)
    return 0


def empty_message(
    path: Path, stored: bool, ip: Address | None, days: Range, what: str = "traffic"
) -> str:
    """Why the report is empty, in one sentence."""
    if not stored:
        return f"no {what} stored yet in {path}"
    about = "" if ip is None else f" to or from {format_address(ip)}"
    return f"no {what}{about} {days.phrase()} (in {path})"


def emit(render: Callable[[], Iterable[str]], format_name: str, message: str | None) -> None:
    """Write the report to stdout. An empty one is a message: instead of the text, or on stderr
    beside the (empty) CSV or JSON document so that scripts still get one."""
    try:
        if message is not None and format_name == "text":
            print(message)
            return
        lines = iter(render())
        while batch := list(islice(lines, BATCH_LINES)):  # one write per batch, not per line
            sys.stdout.write("\n".join(batch))
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `ntc-tui report | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    if message is not None:
        print(message, file=sys.stderr)
