"""Disk full at every write of a batch, damaged files, and power loss during a repair."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from ntc_tui.storage import CorruptError, DataDir, StorageError, StorageFullError
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.journal import JOURNAL_NAME
from ntc_tui.storage.layout import PAGE_SIZE
from ntc_tui.storage.repair import repair_dir
from tests.storage.simdisk import SimDisk
from tests.storage.workload import (
    LAYOUTS,
    commit,
    expected_states,
    layout_of,
    make_batches,
    read_state,
    stage,
)

DATA = Path("/data/ntc-tui")


def state_of(datadir: DataDir) -> dict[str, dict]:
    return {
        stem: {k: (v, p) for k, v, p in datadir.table(stem, LAYOUTS[stem]).scan()}
        for stem in datadir.stems()
    }


@pytest.mark.parametrize("persistent", [False, True])
def test_disk_full_at_every_write_of_a_batch(persistent: bool) -> None:
    batches = make_batches(seed=9, count=4, new_keys=80)
    for batch in batches:
        batch.hold_reader = batch.fail_commit_fsync = False
    states = expected_states(batches)
    failing = len(batches) - 1
    probe = SimDisk()
    probe.ensure_dir(DATA.parent)
    with DataDir.open(DATA, writer=True, create=True, fileops=probe) as datadir:
        for batch in batches[:failing]:
            commit(datadir, batch)
        first = probe.writes
        stage(datadir, batches[failing])
        datadir.commit()
        writes = range(first + 1, probe.writes + 1)
    assert len(writes) >= 10
    outcomes = set()
    for write in writes:
        disk = SimDisk()
        disk.ensure_dir(DATA.parent)
        with DataDir.open(DATA, writer=True, create=True, fileops=disk) as datadir:
            for batch in batches[:failing]:
                commit(datadir, batch)
            if persistent:
                disk.full_from_write = write
            else:
                disk.fail_write_at = write
            stage(datadir, batches[failing])
            try:
                datadir.commit()
                outcomes.add(
                    "committed"
                )  # the failure hit the in-place writes: kept in the journal
                assert state_of(datadir) == states[-1]
                assert read_state(DATA, disk) == states[-1]
                disk.full_from_write = None
            except StorageFullError:
                outcomes.add("refused")
                assert state_of(datadir) == states[failing]  # memory as before the batch
                assert read_state(DATA, disk) == states[failing]  # and the disk
                disk.full_from_write = None
                stage(datadir, batches[failing])  # the caller kept its data: retry
                datadir.commit()
            assert state_of(datadir) == states[-1]
        assert read_state(DATA, disk) == states[-1]
        assert check_dir(DATA, layout_of, disk).ok
    assert outcomes == {"committed", "refused"}


def make_store(path: Path) -> dict[str, dict]:
    batches = make_batches(seed=3, count=3, new_keys=150)
    with DataDir.open(path, writer=True, create=True) as datadir:
        for batch in batches:
            batch.hold_reader = batch.fail_commit_fsync = False
            commit(datadir, batch)
    return expected_states(batches)[-1]


def use_everything(path: Path) -> str:
    """Read every table as a reader and a writer; return 'ok' or the clear error."""
    try:
        read_state(path)
        with DataDir.open(path, writer=True) as datadir:
            stage(datadir, make_batches(seed=4, count=1, new_keys=5)[0])
            datadir.commit()
    except CorruptError as error:
        message = str(error)
        assert "page" in message or JOURNAL_NAME in message or "missing" in message, message
        return "error"
    return "ok"


def damage(path: Path, rng: random.Random, kind: str) -> None:
    files = sorted(p for p in path.iterdir() if p.suffix in (".db", ".idx"))
    target = rng.choice(files)
    data = bytearray(target.read_bytes())
    if kind == "flip":
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del data[rng.randrange(1, len(data)) :]
    elif kind == "zero":
        page = rng.randrange(len(data) // PAGE_SIZE)
        data[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] = bytes(PAGE_SIZE)
    target.write_bytes(bytes(data))
    if kind == "journal":
        (path / JOURNAL_NAME).write_bytes(rng.randbytes(rng.randrange(0, 30_000)))


@pytest.mark.parametrize("kind", ["flip", "truncate", "zero", "journal"])
def test_damaged_files_give_a_clear_error_or_a_check_report(tmp_path: Path, kind: str) -> None:
    pristine = tmp_path / "pristine"
    make_store(pristine)
    rng = random.Random(kind)
    errors = 0
    for attempt in range(12):
        path = tmp_path / f"case{attempt}"
        shutil.copytree(pristine, path)
        damage(path, rng, kind)
        report = check_dir(path, layout_of)
        assert not report.ok, f"{kind} #{attempt} went unnoticed"
        errors += use_everything(path) == "error"
        result = repair_dir(path, layout_of)
        assert result.after.ok, result.after.defects[:3]
        assert use_everything(path) == "ok"
    assert errors >= 6


def test_power_loss_during_repair_keeps_every_record(tmp_path: Path) -> None:
    """The rebuilt files are complete before they replace the old ones: no record is lost."""
    source = Path(__file__).parents[1] / "fixtures" / "c-ntc" / "lazy171"
    for skip in (frozenset(), frozenset({"repair"})):
        disk = SimDisk()
        disk.ensure_dir(DATA)
        for name in ("ntc.db", "ntc.idx"):
            disk.names[f"{DATA}/{name}"] = disk.durable_names[f"{DATA}/{name}"] = number = (
                disk._new_inode()
            )
            content = bytearray((source / name).read_bytes())
            disk.inodes[number].data = content
            disk.inodes[number].durable = bytearray(content)
        wanted = rows_of(DATA, disk)
        problems: list[str] = []

        def crash(
            disk: SimDisk = disk, problems: list[str] = problems, wanted: list = wanted
        ) -> None:
            for seed in range(3):
                image = disk.after_power_loss(disk.operations * 31 + seed)
                try:
                    DataDir.open(DATA, writer=True, fileops=image).close()
                    if rows_of(DATA, image) != wanted:
                        problems.append(f"operation {disk.operations}: records changed")
                except StorageError as error:
                    problems.append(f"operation {disk.operations}: {error}")

        disk.skip_fsync = skip
        disk.on_operation = crash
        result = repair_dir(DATA, conn_layout, disk)
        disk.on_operation = None
        assert result.after.ok
        assert bool(problems) == bool(skip), problems[:3]


def conn_layout(stem: str):
    from ntc_tui.storage import Layout

    return Layout("<III") if stem == "ntc" else None


def rows_of(path: Path, disk: SimDisk) -> list:
    with DataDir.open(path, writer=False, fileops=disk) as datadir:
        layout = conn_layout("ntc")
        assert layout is not None
        return list(datadir.table("ntc", layout).scan())
