"""Storage engine vs SQLite: upserts/s of distinct keys in batches, point lookups/s, a scan."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from ntc_tui.storage import DataDir, Layout
from tests.bench.common import Measurement, Row, format_table, rate

LAYOUT = Layout("<III")
BATCH = 10_000
DAYS = 10
Key = tuple[int, int, int]


def workload(total: int, seed: int = 7) -> list[list[tuple[Key, int, int]]]:
    """``total`` distinct (day, src, dst) keys, day after day, random order within a day."""
    rng = random.Random(seed)
    per_day = total // DAYS
    batches: list[list[tuple[Key, int, int]]] = []
    for day in range(DAYS):
        keys: set[Key] = set()
        while len(keys) < per_day:
            keys.add((20260101 + day, rng.getrandbits(32), rng.getrandbits(32)))
        ordered = list(keys)
        rng.shuffle(ordered)
        items = [(key, rng.randrange(60, 10**6), rng.randrange(1, 1000)) for key in ordered]
        batches += [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    return batches


Rates = tuple[float, float, float]  # upserts/s, lookups/s, records scanned/s


def ours(batches: list[list[tuple[Key, int, int]]], lookups: list[Key]) -> Rates:
    total = sum(map(len, batches))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data"
        start = time.perf_counter()
        with DataDir.open(path, writer=True, create=True) as datadir:
            table = datadir.table("ntc", LAYOUT)
            for batch in batches:
                table.upsert_many(batch)
                datadir.commit()
        upserts = rate(total, time.perf_counter() - start)
        with DataDir.open(path, writer=False) as datadir:
            table = datadir.table("ntc", LAYOUT)
            start = time.perf_counter()
            for key in lookups:
                table.get(key)
            gets = rate(len(lookups), time.perf_counter() - start)
            start = time.perf_counter()
            scanned = sum(map(len, table.scan_records()))
            scans = rate(scanned, time.perf_counter() - start)
    assert scanned == total
    return upserts, gets, scans


def sqlite(batches: list[list[tuple[Key, int, int]]], lookups: list[Key]) -> Rates:
    """journal_mode=DELETE, synchronous=FULL: a rollback journal fsync'd before the database is."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "ntc.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=FULL")
        db.execute(
            "CREATE TABLE conn (day INTEGER, src INTEGER, dst INTEGER, vol INTEGER, packs INTEGER,"
            " PRIMARY KEY (day, src, dst)) WITHOUT ROWID"
        )
        sql = (
            "INSERT INTO conn VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, src, dst)"
            " DO UPDATE SET vol = vol + excluded.vol, packs = packs + excluded.packs"
        )
        start = time.perf_counter()
        for batch in batches:
            db.execute("BEGIN")
            db.executemany(sql, [(*key, vol, packs) for key, vol, packs in batch])
            db.execute("COMMIT")
        upserts = rate(sum(map(len, batches)), time.perf_counter() - start)
        query = "SELECT vol, packs FROM conn WHERE day = ? AND src = ? AND dst = ?"
        start = time.perf_counter()
        for key in lookups:
            db.execute(query, key).fetchone()
        gets = rate(len(lookups), time.perf_counter() - start)
        start = time.perf_counter()
        scanned = len(db.execute("SELECT * FROM conn ORDER BY day, src, dst").fetchall())
        scans = rate(scanned, time.perf_counter() - start)
        db.close()
    return upserts, gets, scans


def run(quick: bool = False) -> list[Row]:
    total = 100_000 if quick else 1_000_000
    batches = workload(total)
    rng = random.Random(3)
    everything = [key for batch in batches for key, _, _ in batch]
    assert len(set(everything)) == len(everything) == total  # every upsert adds a new key
    lookups = rng.sample(everything, 20_000 if quick else 100_000)
    measurements = [
        (
            Measurement("upsert, 10k-key batches, commit each", "keys/s"),
            Measurement("SQLite INSERT … ON CONFLICT DO UPDATE", "keys/s"),
        ),
        (
            Measurement("point lookup (reader)", "lookups/s"),
            Measurement("SQLite SELECT by primary key", "lookups/s"),
        ),
        (
            Measurement("range scan of every record (reader)", "records/s"),
            Measurement("SQLite SELECT * ORDER BY the key", "records/s"),
        ),
    ]
    for _ in range(1 if quick else 3):
        for (mine, theirs), ours_rate, sqlite_rate in zip(
            measurements, ours(batches, lookups), sqlite(batches, lookups), strict=True
        ):
            mine.samples.append(ours_rate)
            theirs.samples.append(sqlite_rate)
    notes = [
        f"{total:,} distinct keys over {DAYS} days; fsync per batch (ours: journal+dir+files; "
        "SQLite: journal_mode=DELETE, synchronous=FULL, WITHOUT ROWID)",
        f"{len(lookups):,} random existing keys",
        f"all {total:,} records in key order",
    ]
    return [
        Row("storage", mine, theirs, note)
        for (mine, theirs), note in zip(measurements, notes, strict=True)
    ]


if __name__ == "__main__":
    print(format_table(run()))
