"""Reports vs SQLite: a year of history (1,000 pairs a day) pivoted, a month of it, protocols."""

from __future__ import annotations

import contextlib
import datetime
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ntc_tui.cli import main
from ntc_tui.records import encode_date
from ntc_tui.report import PivotQuery, Resolution, build_pivot, protocol_series
from ntc_tui.report.export import iso_day
from ntc_tui.store import Batch, Store
from tests.bench.common import Measurement, Row, format_table

STEADY_SHARE = 0.8  # of each day's pairs, seen every day; the rest are new each day
PROTOCOLS = ("TCP", "UDP", "ICMP", "ARP")
FIRST_SECOND = 1_767_225_600  # 2026-01-01 00:00:00 UTC
YEAR, PAIRS_PER_DAY = 365, 1000  # issue 6: a year of history with 1,000 pairs a day
ROOT = Path(__file__).resolve().parents[2]
Cells = dict[tuple[int, int, int], list[int]]


def history(days: int, pairs_per_day: int, seed: int = 11) -> list[tuple[int, Cells]]:
    """Each day's (day, src, dst) -> [bytes, packets]: steady pairs plus new ones."""
    rng = random.Random(seed)
    steady: set[tuple[int, int]] = set()
    while len(steady) < int(pairs_per_day * STEADY_SHARE):
        steady.add((0x0A000000 + rng.randrange(256), 0xC0A80000 + rng.randrange(1 << 16)))
    first = datetime.date(2025, 1, 1)
    out: list[tuple[int, Cells]] = []
    for number in range(days):
        date = first + datetime.timedelta(number)
        code = encode_date(date.year, date.month, date.day)
        pairs = set(steady)
        while len(pairs) < pairs_per_day:
            pairs.add((rng.getrandbits(32), rng.getrandbits(32)))
        cells = {
            (code, src, dst): [rng.randrange(60, 10**7), rng.randrange(1, 10**4)]
            for src, dst in pairs
        }
        out.append((code, cells))
    return out


def protocol_cells(seconds: int, seed: int = 5) -> dict[tuple[int, str], list[int]]:
    rng = random.Random(seed)
    return {
        (FIRST_SECOND + second, proto): [rng.randrange(60, 10**6), rng.randrange(1, 100)]
        for second in range(seconds)
        for proto in PROTOCOLS
        if proto == "TCP" or rng.random() < 0.3
    }


def fill_store(
    path: Path, days: list[tuple[int, Cells]], protocols: dict[tuple[int, str], list[int]]
) -> None:
    with Store.open(path, writer=True) as store:
        for _, cells in days:
            store.apply(Batch(pairs=cells))
        store.apply(Batch(proto_cells=protocols))


def fill_sqlite(
    path: Path, days: list[tuple[int, Cells]], protocols: dict[tuple[int, str], list[int]]
) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        "CREATE TABLE conn (day INTEGER, src INTEGER, dst INTEGER, vol INTEGER, packs INTEGER,"
        " PRIMARY KEY (day, src, dst)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE proto (second INTEGER, name TEXT, vol INTEGER, packs INTEGER,"
        " PRIMARY KEY (second, name)) WITHOUT ROWID"
    )
    db.execute("BEGIN")
    for _, cells in days:
        db.executemany(
            "INSERT INTO conn VALUES (?, ?, ?, ?, ?)",
            [(*key, *value) for key, value in cells.items()],
        )
    db.executemany(
        "INSERT INTO proto VALUES (?, ?, ?, ?)",
        [(*key, *value) for key, value in protocols.items()],
    )
    db.execute("COMMIT")
    return db


def sqlite_pivot(db: sqlite3.Connection, first: int, last: int) -> int:
    """The same answer as build_pivot: per-pair totals by GROUP BY, and every (day, pair) cell."""
    totals = db.execute(
        "SELECT src, dst, SUM(vol), SUM(packs) FROM conn WHERE day BETWEEN ? AND ?"
        " GROUP BY src, dst ORDER BY 3 DESC, 4 DESC, src, dst",
        (first, last),
    ).fetchall()
    cells: dict[tuple[int, int], dict[int, tuple[int, int]]] = {}
    for day, src, dst, vol, packs in db.execute(
        "SELECT day, src, dst, vol, packs FROM conn WHERE day BETWEEN ? AND ?", (first, last)
    ):
        cells.setdefault((src, dst), {})[day] = (vol, packs)
    return len(totals) + len(cells)


def sqlite_protocols(db: sqlite3.Connection) -> int:
    rows = db.execute(
        "SELECT second / 3600 * 3600 AS hour, name, SUM(vol), SUM(packs) FROM proto"
        " GROUP BY hour, name ORDER BY hour, name"
    ).fetchall()
    return len(rows)


def cli_report(path: Path, *argv: str) -> None:
    """`ntc-tui report …` end to end in this process, its output thrown away."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        assert main(["report", "--db-dir", str(path), *argv]) == 0


def process_report(path: Path, *argv: str) -> None:
    """`ntc-tui report …` as a user runs it: a new interpreter, imports, the report to a file."""
    command = [sys.executable, "-m", "ntc_tui", "report", "--db-dir", str(path), *argv]
    with open(os.devnull, "w") as sink:
        subprocess.run(command, stdout=sink, check=True, cwd=ROOT)


def measure(
    pairs: list[
        tuple[Measurement, Callable[[], object], Measurement | None, Callable[[], object] | None]
    ],
    runs: int,
) -> None:
    """Run each side ``runs`` times, alternating, so both see the same machine load."""
    for _ in range(runs):
        for ours, ours_call, baseline, baseline_call in pairs:
            start = time.perf_counter()
            ours_call()
            ours.samples.append(time.perf_counter() - start)
            if baseline is not None and baseline_call is not None:
                start = time.perf_counter()
                baseline_call()
                baseline.samples.append(time.perf_counter() - start)


def run(quick: bool = False) -> list[Row]:
    days_count, per_day, seconds = (60, 200, 3600) if quick else (YEAR, PAIRS_PER_DAY, 86400)
    days = history(days_count, per_day)
    protocols = protocol_cells(seconds)
    first, last = days[0][0], days[-1][0]
    month_first, month_last = days[-30][0], days[-1][0]
    month_from, month_to = iso_day(month_first), iso_day(month_last)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data"
        fill_store(path, days, protocols)
        db = fill_sqlite(Path(tmp) / "report.sqlite", days, protocols)

        def ours_pivot(first_day: int, last_day: int) -> Callable[[], object]:
            def call() -> object:
                with Store.open(path, writer=False) as store:
                    return build_pivot(store, PivotQuery(first_day, last_day))

            return call

        def scan_only() -> object:
            with Store.open(path, writer=False) as store:
                return sum(1 for _ in store.connections(first, last))

        def ours_protocols() -> object:
            with Store.open(path, writer=False) as store:
                return protocol_series(store, None, None, Resolution.HOUR, utc=True)

        text = Measurement(
            "`ntc-tui report` (text) of the whole history, end to end", "s", lower_is_better=True
        )
        csv = Measurement("`ntc-tui report --format csv`, end to end", "s", lower_is_better=True)
        json = Measurement("`ntc-tui report --format json`, end to end", "s", lower_is_better=True)
        ranged = Measurement(
            "`ntc-tui report --from … --to …` (text, 30 days), end to end",
            "s",
            lower_is_better=True,
        )
        process = Measurement(
            "`ntc-tui report` (text) as a new process, startup included", "s", lower_is_better=True
        )
        year = Measurement("build_pivot, whole history", "s", lower_is_better=True)
        year_sql = Measurement("SQLite GROUP BY + cells", "s", lower_is_better=True)
        month = Measurement("build_pivot, last 30 days (range scan)", "s", lower_is_better=True)
        month_sql = Measurement(
            "SQLite GROUP BY + cells, WHERE day BETWEEN", "s", lower_is_better=True
        )
        scan = Measurement("Store.connections alone, whole history", "s", lower_is_better=True)
        hourly = Measurement("protocol_series by hour", "s", lower_is_better=True)
        hourly_sql = Measurement("SQLite GROUP BY hour, name", "s", lower_is_better=True)
        measure(
            [
                (year, ours_pivot(first, last), year_sql, lambda: sqlite_pivot(db, first, last)),
                (
                    month,
                    ours_pivot(month_first, month_last),
                    month_sql,
                    lambda: sqlite_pivot(db, month_first, month_last),
                ),
                (scan, scan_only, None, None),
                (text, lambda: cli_report(path), None, None),
                (csv, lambda: cli_report(path, "--format", "csv"), None, None),
                (json, lambda: cli_report(path, "--format", "json"), None, None),
                (
                    ranged,
                    lambda: cli_report(path, "--from", month_from, "--to", month_to),
                    None,
                    None,
                ),
                (process, lambda: process_report(path), None, None),
                (hourly, ours_protocols, hourly_sql, lambda: sqlite_protocols(db)),
            ],
            runs=1 if quick else 5,
        )
        db.close()
    cells = days_count * per_day
    size = f"{days_count} days × {per_day:,} pairs/day = {cells:,} cells"
    size += f" ({STEADY_SHARE:.0%} of the pairs every day)"
    return [
        Row("report", text, None, size + "; target < 1 s"),
        Row("report", csv, None, size),
        Row("report", json, None, size),
        Row("report", ranged, None, "the last 30 days of the year: a range scan"),
        Row("report", process, None, size + "; what a user waits for"),
        Row("report", year, year_sql, size + "; SQLite in memory cache, same process"),
        Row("report", scan, None, "the storage engine's range scan: the floor under the above"),
        Row("report", month, month_sql, "30 of the days"),
        Row(
            "report",
            hourly,
            hourly_sql,
            f"{len(protocols):,} per-second cells ({seconds:,} s, {len(PROTOCOLS)} protocols)",
        ),
    ]


if __name__ == "__main__":
    print(format_table(run()))
