"""`ntc-tui db check [--repair]` and `ntc-tui db info`: verify, rebuild, describe stored files."""

from __future__ import annotations

import argparse
from pathlib import Path

from ntc_tui.cli.options import add_data_dir
from ntc_tui.errors import StoreUnusableError, UsageError
from ntc_tui.storage import DataDir, LockedError, StorageError
from ntc_tui.storage.checker import CheckReport, Defect, check_dir
from ntc_tui.storage.repair import repair_dir
from ntc_tui.store import (
    CONN4_STEM,
    CONN6_STEM,
    data_dir_exists,
    format_key,
    layout_for_stem,
)

NAME = "db"
SUMMARY = "check (and repair) or describe the stored files: db check [--repair], db info"
DEFECTS_EXIT = 4


def configure(parser: argparse.ArgumentParser) -> None:
    """Sub-commands check and info, each with --db-dir."""
    actions = parser.add_subparsers(dest="action", metavar="{check,info}")
    check = actions.add_parser("check", help="verify every invariant of the stored files")
    check.add_argument(
        "--repair",
        action="store_true",
        help="rebuild damaged tables from their records (takes the writer lock)",
    )
    info = actions.add_parser("info", help="sizes, record counts, tree height, key range")
    for sub in (check, info):
        add_data_dir(sub)


def run(args: argparse.Namespace) -> int:
    """Run `db check` or `db info`; 4 when the files are damaged or locked."""
    if args.action is None:
        raise UsageError("say what to do: `ntc-tui db check [--repair]` or `ntc-tui db info`")
    path: Path = args.db_dir
    if not data_dir_exists(path):
        print(f"{path}: no data yet (the directory does not exist)")
        return 0
    if args.action == "info":
        return info(path)
    if args.repair:
        return repair(path)
    report = check_dir(path, layout_for_stem)
    print_report(report)
    return 0 if report.ok else DEFECTS_EXIT


def describe(defect: Defect) -> str:
    """One line: file, page, key, invariant, what is wrong."""
    where = defect.file or "data directory"
    if defect.page is not None:
        where += f" page {defect.page}"
    if defect.key is not None:
        where += f" key {format_key(defect.stem, defect.key)}"
    return f"{where}: [{defect.invariant}] {defect.message}"


def print_report(report: CheckReport) -> None:
    for defect in report.defects:
        print(describe(defect))
    if report.suppressed:
        print(f"… and {report.suppressed} more defects not listed")
    for note in report.notes:
        print(f"note: {note}")
    tables = ", ".join(report.tables) or "no tables"
    total = len(report.defects) + report.suppressed
    if any(defect.invariant == "F0" for defect in report.defects):
        print(f"{report.path}: cannot be checked")
    elif total:
        print(f"{report.path}: {total} defect(s) in {tables}; run `ntc-tui db check --repair`")
    else:
        print(f"{report.path}: {tables}: every invariant holds")


def repair(path: Path) -> int:
    try:
        result = repair_dir(path, layout_for_stem)
    except LockedError as error:
        raise StoreUnusableError(f"{error}; stop it before repairing") from None
    except StorageError as error:
        raise StoreUnusableError(f"cannot repair {path}: {error}") from None
    print("before repair:")
    print_report(result.before)
    for stem in result.rebuilt:
        print(f"rebuilt {stem}.db and {stem}.idx: {result.kept[stem]} records kept")
    for salvaged in result.salvaged:
        print(f"salvaged: {salvaged}")
    for dropped in result.dropped:
        print(f"dropped: {dropped}")
    print("after repair:")
    print_report(result.after)
    return 0 if result.after.ok else DEFECTS_EXIT


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def info(path: Path) -> int:
    """Per table: files and sizes, pages, records, tree height, first and last key."""
    status = 0
    try:
        datadir = DataDir.open(path, writer=False)
    except StorageError as error:
        raise StoreUnusableError(f"{error} (in {path})") from None
    with datadir:
        stems = datadir.stems()
        if not stems:
            print(f"{path}: no data yet")
        for stem in stems:
            layout = layout_for_stem(stem)
            if layout is None:
                print(f"{stem}: not a table of ntc-tui")
                continue
            try:
                stats = datadir.table(stem, layout).stats()
            except StorageError as error:
                print(f"{stem}: unreadable: {error}")
                status = DEFECTS_EXIT
                continue
            print(
                f"{stem}: {stem}.db {_size(stats.db_bytes)} ({stats.db_pages} pages), "
                f"{stem}.idx {_size(stats.idx_bytes)} ({stats.idx_pages} pages), "
                f"{stats.records} records, tree height {stats.height}"
            )
            if stats.first_key is not None and stats.last_key is not None:
                first = format_key(stem, stats.first_key)
                last = format_key(stem, stats.last_key)
                if stem in (CONN4_STEM, CONN6_STEM):
                    print(f"  dates {first[:10]} to {last[:10]}")
                print(f"  first key {first}\n  last key  {last}")
    return status
