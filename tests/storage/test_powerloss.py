"""Power loss before every operation of a workload (simulated disk): before or after, no mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.storage import DataDir, StorageError
from ntc_tui.storage.checker import check_dir
from tests.storage.simdisk import SimDisk
from tests.storage.workload import (
    Batch,
    State,
    commit,
    expected_states,
    layout_of,
    make_batches,
    read_state,
)

DATA = Path("/data/ntc-tui")
FSYNC_SITES = ("journal", "commit", "apply", "apply-dir", "mkdir", "undo")


class ViolationError(Exception):
    """A crash image that recovers to a state the model does not allow."""


class CrashImages:
    """Before each mutating operation: lose power (several ways), recover, check, compare."""

    def __init__(self, disk: SimDisk, states: list[State], seeds: int, stop_at_first: bool) -> None:
        self.disk = disk
        self.states = states
        self.seeds = seeds
        self.stop_at_first = stop_at_first
        self.acked = 0
        self.in_flight = False
        self.points = 0  # operations before which power was lost
        self.images = 0  # disks recovered: several per point
        self.violations: list[str] = []

    def __call__(self, seeds: int | None = None) -> None:
        self.points += 1
        for seed in range(seeds or self.seeds):
            self.images += 1
            problem = self.verify(self.disk.after_power_loss(self.images * 7919 + seed))
            if problem:
                self.violations.append(f"operation {self.disk.operations}: {problem}")
                if self.stop_at_first:
                    raise ViolationError(problem)

    def verify(self, image: SimDisk) -> str | None:
        allowed = [self.states[self.acked]]
        if self.in_flight:
            allowed.append(self.states[self.acked + 1])
        if not image.exists(DATA):
            return None if {} in allowed else "the data directory vanished"
        try:
            seen_by_reader = read_state(DATA, image)
            DataDir.open(DATA, writer=True, fileops=image).close()  # recovery
            recovered = read_state(DATA, image)
            report = check_dir(DATA, layout_of, image)
        except StorageError as error:
            return f"unrecoverable: {error}"
        if not report.ok:
            return f"check found {report.defects[:3]}"
        if seen_by_reader != recovered:
            return "a reader before recovery saw another state than after it"
        if recovered not in allowed:
            return f"state after {self.acked} acknowledged batches is none of the allowed ones"
        return None


def run_workload(disk: SimDisk, batches: list[Batch], crashes: CrashImages) -> None:
    disk.ensure_dir(DATA.parent)
    disk.on_operation = crashes
    with DataDir.open(DATA, writer=True, create=True, fileops=disk, cache_pages=16) as datadir:
        reader: DataDir | None = None
        for number, batch in enumerate(batches):
            if batch.hold_reader and reader is None:
                reader = DataDir.open(DATA, writer=False, fileops=disk)
            elif not batch.hold_reader and reader is not None:
                reader.close()
                reader = None
            crashes.in_flight = True
            if batch.fail_commit_fsync:
                disk.fail_fsync_dir_site = "commit"
                with pytest.raises(StorageError):
                    commit(datadir, batch)
                crashes.in_flight = False  # refused: the disk must show the state before it
                crashes(seeds=32)  # power lost right after the refusal
                crashes.in_flight = True
            commit(datadir, batch)
            crashes.acked = number + 1
            crashes.in_flight = False
    disk.on_operation = None


def workload() -> tuple[list[Batch], list[State]]:
    batches = make_batches(seed=5, count=18, new_keys=110)
    return batches, expected_states(batches)


def test_every_crash_point_recovers_to_before_or_after() -> None:
    batches, states = workload()
    disk = SimDisk()
    crashes = CrashImages(disk, states, seeds=2, stop_at_first=False)
    run_workload(disk, batches, crashes)
    assert crashes.violations == []
    assert crashes.points >= 1000, crashes.points
    print(f"{crashes.points} crash points, {crashes.images} power-loss images")
    assert read_state(DATA, disk) == states[-1]
    assert set(disk.fsync_sites) >= set(FSYNC_SITES)  # the workload exercises every fsync


@pytest.mark.parametrize("site", FSYNC_SITES)
def test_every_fsync_is_necessary(site: str) -> None:
    """Dropping any single fsync call site lets some power loss break the guarantees."""
    batches, states = workload()
    disk = SimDisk()
    disk.skip_fsync = frozenset({site})
    crashes = CrashImages(disk, states, seeds=2, stop_at_first=True)
    with pytest.raises(ViolationError):
        run_workload(disk, batches, crashes)
