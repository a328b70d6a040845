"""Real processes: a writer killed with SIGKILL at many points, readers beside a running writer."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ntc_tui.storage import DataDir, LockedError
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.journal import JOURNAL_NAME
from ntc_tui.storage.layout import PAGE_SIZE
from tests.storage.workload import LAYOUTS, expected_states, layout_of, make_batches, read_state
from tests.storage.writer_child import UNIFORM_KEYS

ROOT = Path(__file__).parents[2]
BATCHES = 30
SEED = 21


def start(path: Path, mode: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.storage.writer_child",
            str(path),
            mode,
            str(SEED),
            str(count),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_sigkill_at_many_points_loses_nothing_acknowledged(tmp_path: Path) -> None:
    batches = make_batches(SEED, BATCHES, new_keys=60)
    for batch in batches:
        batch.hold_reader = batch.fail_commit_fsync = False
    states = expected_states(batches)
    rng = random.Random(4)
    kills = 0
    for attempt in range(40):
        path = tmp_path / f"run{attempt}"
        child = start(path, "workload", BATCHES)
        assert child.stdout is not None
        target = rng.randrange(1, BATCHES - 1)
        acked = 0
        while acked < target:
            line = child.stdout.readline()
            assert line, "the writer stopped early"
            acked = int(line.split()[1])
        time.sleep(rng.random() * 0.05)
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        acked = max([acked, *(int(line.split()[1]) for line in rest.split("\n") if line)])
        kills += child.returncode == -signal.SIGKILL
        seen = read_state(path)  # a reader first: it sees the crashed writer's journal
        DataDir.open(path, writer=True).close()  # recovery
        assert read_state(path) == seen
        assert seen in states[acked : acked + 2], f"attempt {attempt}: acked {acked}"
        assert check_dir(path, layout_of).ok
    assert kills >= 30


def test_readers_beside_a_writer_never_see_half_a_batch(tmp_path: Path) -> None:
    path = tmp_path / "data"
    child = start(path, "uniform", 150)
    assert child.stdout is not None
    assert child.stdout.readline().startswith("ack")
    with_locked = False
    seen_values = set()
    try:
        while child.poll() is None:
            try:
                DataDir.open(path, writer=True).close()
            except LockedError as error:
                with_locked = f"pid {child.pid}" in str(error)
            state = read_state(path)
            values = {row for rows in state.values() for row in rows.values()}
            assert len(values) == 1, values  # every key of both tables: the same batch count
            assert sum(len(rows) for rows in state.values()) == 2 * UNIFORM_KEYS
            seen_values |= values
    finally:
        child.kill()
        child.communicate()
    assert with_locked
    assert len(seen_values) >= 3
    assert check_dir(path, layout_of).ok
    assert (path / "ntc-tui.lock").exists()


def flock_waiters(path: Path) -> int:
    """How many lock requests on ``path`` wait in the kernel (the "->" lines of /proc/locks)."""
    inode = str(path.stat().st_ino)
    return sum(
        1
        for line in Path("/proc/locks").read_text().splitlines()
        if " -> " in line and any(field.split(":")[-1] == inode for field in line.split())
    )


def test_a_writer_past_the_unapplied_limit_waits_for_the_readers(tmp_path: Path) -> None:
    path = tmp_path / "data"
    wide = LAYOUTS["c"]
    rows = {(1, n, n): (10, 1) for n in range(1000)}  # three DB pages and several index pages
    with DataDir.open(path, writer=True, create=True, unapplied_limit=4 * PAGE_SIZE) as writer:
        table = writer.table("c", wide)
        table.upsert((0, 0, 0), 5, 1)
        writer.commit()  # no reader: written in place
        reader = DataDir.open(path, writer=False)
        try:
            table.upsert_many((key, vol, packs) for key, (vol, packs) in rows.items())
            writer.commit()  # a reader holds a snapshot: the pages stay in the journal
            assert (path / JOURNAL_NAME).exists()
            table.upsert((2, 2, 2), 7, 1)
            waiting = threading.Thread(target=writer.commit)  # more than 4 pages unapplied
            waiting.start()
            while not flock_waiters(path):
                assert waiting.is_alive(), "the commit did not wait for the reader"
                time.sleep(0.01)
            assert list(reader.table("c", wide).scan()) == [((0, 0, 0), 5, 1)]  # its snapshot
        finally:
            reader.close()
        waiting.join()
        assert not (path / JOURNAL_NAME).exists()  # applied in place once the reader had gone
    expected = {(0, 0, 0): (5, 1), **rows, (2, 2, 2): (7, 1)}
    assert read_state(path) == {"c": expected}
    assert check_dir(path, layout_of).ok
