"""`ntc-tui import PATH...`: traffic files and folders into the data directory, with progress."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type hints

from ntc_tui.cli.options import add_data_dir
from ntc_tui.errors import UsageError
from ntc_tui.importer import FileSummary, ImportOptions, ImportProgress, ImportSummary, run_import
from ntc_tui.importer.model import printable
from ntc_tui.store import Store

NAME = "import"
SUMMARY = "import tcpdump text and pcap/pcapng files (compressed too) into the data directory"


def configure(parser: argparse.ArgumentParser) -> None:
    """The importer's options (SPEC §6)."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    parser.add_argument("-r", "--recursive", action="store_true", help="descend into subfolders")
    parser.add_argument(
        "--force", action="store_true", help="import again what the ledger says is imported"
    )
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the day of the first packet of files in tcpdump's default time-of-day format",
    )
    parser.add_argument("--utc", action="store_true", help="day boundaries in UTC, not local time")
    add_data_dir(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    """Import; 0 when everything was imported, 1 when some input was rejected or failed."""
    options = ImportOptions(
        recursive=args.recursive, force=args.force, date=_date(args.date), utc=args.utc
    )
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    cancel = threading.Event()
    with (
        Store.open(args.db_dir, writer=True) as store,
        _cancelled_by_signals(cancel),
        _progress_bar(sys.stderr) as progress,
    ):
        summary = run_import(args.paths, store, options, progress, cancel)
    if args.json:
        print(json.dumps(summary.as_json(), indent=2))
    else:
        print_summary(summary, sys.stdout)
    return summary.exit_code()


def _date(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date {text}: not a date; write it as YYYY-MM-DD") from None


@contextmanager
def _cancelled_by_signals(cancel: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM stop the import after its current batch (which is kept)."""

    def stop(number: int, frame: FrameType | None) -> None:
        cancel.set()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _progress_bar(
    stream: TextIO,
) -> Iterator[Callable[[ImportProgress], None] | None]:
    """A tqdm bar (files, bytes, packets, packets/s, ETA) on a terminal; nothing otherwise."""
    if not stream.isatty():
        yield None
        return
    width, height = _terminal_size(stream)
    bar = tqdm(
        total=0,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=stream,
        leave=False,
        ncols=width,
        nrows=height,
    )
    try:
        files_shown = [-1]

        def show(progress: ImportProgress) -> None:
            bar.total = progress.bytes_total
            bar.update(progress.bytes_done - bar.n)
            elapsed = bar.format_dict["elapsed"] or 1e-9
            bar.set_postfix_str(
                f"files {progress.files_done}/{progress.files_total}, "
                f"{progress.packets:,} packets, {progress.packets / elapsed:,.0f} packets/s",
                refresh=progress.files_done != files_shown[0],  # else at tqdm's own pace
            )
            files_shown[0] = progress.files_done

        yield show
    finally:
        bar.close()


def _terminal_size(stream: TextIO) -> tuple[int, int]:
    """Columns and lines of the terminal; a terminal that does not know its size says 0."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except OSError:
        return 100, 24
    return size.columns or 100, size.lines or 24


def print_summary(summary: ImportSummary, out: TextIO) -> None:
    """One line per file (with its rejected lines and a few examples), then the total."""
    for file_summary in summary.files:
        _print_file(file_summary, out)
    files = len(summary.files)
    parts = [
        f"total: {files} file{'s' if files != 1 else ''}",
        f"{summary.packets:,} packets",
        f"{summary.bytes:,} bytes",
    ]
    rejected = sum(summary.rejected.values())
    if rejected:
        parts.append(f"{rejected:,} lines rejected ({_reasons(summary.rejected)})")
    if summary.failed:
        parts.append(f"{len(summary.failed)} failed")
    if summary.cancelled:
        parts.append("cancelled: run the same import again to continue")
    print(", ".join(parts), file=out)


def _print_file(summary: FileSummary, out: TextIO) -> None:
    """The file's line, its note, its rejected lines and examples; nothing of a file name, an
    error or a line of the file reaches the terminal unescaped."""
    kind = f"{summary.kind}, " if summary.kind else ""
    line = f"{summary.path}: {kind}{summary.status}"
    if summary.packets or not summary.failed:
        line += f", {summary.packets:,} packets, {summary.bytes:,} bytes"
    if summary.length_rule and summary.packets:
        line += f" ({summary.length_rule})"
    print(printable(line), file=out)
    if summary.note:
        print(f"  note: {printable(summary.note)}", file=out)
    if summary.rejected:
        print(
            f"  rejected {summary.rejected_lines:,} lines: {_reasons(summary.rejected)}", file=out
        )
        for example in summary.examples:
            print(f"    {printable(example)}", file=out)


def _reasons(rejected: dict[str, Any]) -> str:
    return ", ".join(f"{count:,} {reason}" for reason, count in sorted(rejected.items()))
