"""A deterministic sequence of batches over several tables, with the states a model expects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntc_tui.storage import DataDir, Layout
from ntc_tui.storage.fileops import FileOps

SMALL = Layout("<I196s")  # 212-byte entries: 38 keys a page (n = 19), so trees grow tall fast
WIDE = Layout("<III")  # the connection store's geometry (n = 170)
LAYOUTS = {"a": SMALL, "b": SMALL, "c": WIDE}

Key = tuple[Any, ...]
State = dict[str, dict[Key, tuple[int, int]]]


def layout_of(stem: str) -> Layout | None:
    return LAYOUTS.get(stem)


def small_key(day: int, number: int) -> Key:
    return (day, number.to_bytes(8, "big") + bytes(188))


@dataclass
class Batch:
    """Upserts per table, then optionally the removal of one table (committed as one batch)."""

    upserts: dict[str, list[tuple[Key, int, int]]] = field(default_factory=dict)
    drop: str | None = None
    hold_reader: bool = False  # a reader keeps a snapshot open across this commit
    fail_commit_fsync: bool = False  # the commit's directory fsync fails once (then retried)


def make_batches(seed: int, count: int, new_keys: int) -> list[Batch]:
    """``count`` batches: table a grows by ``new_keys`` a batch, b is created late and dropped."""
    rng = random.Random(seed)
    batches = []
    a_keys: list[Key] = []
    for index in range(count):
        batch = Batch()
        fresh = [small_key(rng.randrange(4), rng.randrange(10**9)) for _ in range(new_keys)]
        olds = rng.sample(a_keys, min(len(a_keys), new_keys // 4))
        batch.upserts["a"] = [
            (k, rng.randrange(1, 10**6), rng.randrange(1, 100)) for k in fresh + olds
        ]
        a_keys += fresh
        batch.upserts["c"] = [
            ((20260000 + index % 3, rng.randrange(50), rng.randrange(50)), 1500, 1)
            for _ in range(20)
        ]
        if count // 3 <= index < 2 * count // 3:
            batch.upserts["b"] = [(small_key(index, n), n, 1) for n in range(12)]
        if index == 2 * count // 3:
            batch.drop = "b"
        batch.hold_reader = index in (count // 2, count // 2 + 1)
        batch.fail_commit_fsync = index == count // 2 + 2
        batches.append(batch)
    return batches


def expected_states(batches: list[Batch]) -> list[State]:
    """The model's state after 0, 1, 2, ... batches."""
    states: list[State] = [{}]
    for batch in batches:
        state = {stem: dict(rows) for stem, rows in states[-1].items()}
        for stem, items in batch.upserts.items():
            rows = state.setdefault(stem, {})
            for key, vol, packs in items:
                old_vol, old_packs = rows.get(key, (0, 0))
                rows[key] = (old_vol + vol, old_packs + packs)
        if batch.drop:
            state.pop(batch.drop, None)
        states.append(state)
    return states


def stage(datadir: DataDir, batch: Batch) -> None:
    for stem, items in batch.upserts.items():
        datadir.table(stem, LAYOUTS[stem]).upsert_many(items)


def commit(datadir: DataDir, batch: Batch) -> None:
    """Stage and commit one batch (a drop commits everything staged with it)."""
    stage(datadir, batch)
    if batch.drop:
        datadir.drop_table(batch.drop)
    else:
        datadir.commit()


def read_state(path: Path, fileops: FileOps | None = None) -> State:
    """Every table's rows as a reader sees them."""
    with DataDir.open(path, writer=False, fileops=fileops) as datadir:
        return {
            stem: {
                key: (vol, packs) for key, vol, packs in datadir.table(stem, LAYOUTS[stem]).scan()
            }
            for stem in datadir.stems()
        }
