"""Disk full at every write of a batch, damaged files, and power loss during a repair."""

from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import pytest

from ntc_tui.storage import CorruptError, DataDir, StorageError, StorageFullError
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.journal import JOURNAL_NAME
from ntc_tui.storage.layout import IDX_HEADER_SIZE, PAGE_SIZE
from ntc_tui.storage.pages import seal_index_page
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
        assert "run `ntc-tui db check" in message, message
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


def conn_table(path: Path, records: int) -> dict[tuple[int, ...], tuple[int, int]]:
    """A connection table of ``records`` keys (several full DB pages); returns its rows."""
    rows = {
        (20260101, 0x0A000000 + n * 7919 % 65_521, 0xC0A80001 + n): (1000 + n, 1)
        for n in range(records)
    }
    with DataDir.open(path, writer=True, create=True) as datadir:
        datadir.table("c", LAYOUTS["c"]).upsert_many((k, v, p) for k, (v, p) in rows.items())
        datadir.commit()
    return rows


def flip(path: Path, offset: int, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("field", ["vol", "key"])
def test_repair_salvages_the_records_of_a_page_whose_checksum_fails(
    data_dir: Path, field: str
) -> None:
    rows = conn_table(data_dir, 900)
    slot = 17
    record = PAGE_SIZE + LAYOUTS["c"].record_offset(slot)  # DB page 2, record 17
    flip(data_dir / "c.db", record + (12 if field == "vol" else 4), 3)  # vol's low byte, or src
    report = check_dir(data_dir, layout_of)
    assert [(d.file, d.page, d.invariant) for d in report.defects][:1] == [("c.db", 2, "P1")]
    result = repair_dir(data_dir, layout_of)
    assert result.after.ok, result.after.defects[:3]
    assert len(result.salvaged) == 1 and result.salvaged[0].startswith("c.db page 2: ")
    assert "values are unverified" in result.salvaged[0]
    state = read_state(data_dir)["c"]
    damaged = sorted(rows)[LAYOUTS["c"].records_per_page + slot]  # records went in in key order
    assert {key: value for key, value in state.items() if key != damaged} == {
        key: value for key, value in rows.items() if key != damaged
    }
    if field == "vol":  # the key is confirmed by its index entry: kept, with its damaged value
        assert result.kept == {"c": 900} and not result.dropped
        assert "kept 340 of its 340 records" in result.salvaged[0]
        assert state[damaged] == (rows[damaged][0] ^ 1 << 3, 1)
    else:  # no index entry confirms the damaged key: that one record is dropped, and listed
        assert result.kept == {"c": 899} and damaged not in state
        assert "kept 339 of its 340 records" in result.salvaged[0]
        assert result.dropped == ["c.db page 2: 1 records no index entry confirms; dropped"]


@pytest.mark.parametrize("suffix", [".db", ".idx"])
def test_a_page_without_its_checksum_in_a_file_of_ours_is_damage(
    data_dir: Path, suffix: str
) -> None:
    """Zeroing the 12 spare bytes of a page must not switch its checksum off."""
    conn_table(data_dir, 900)
    target = data_dir / f"c{suffix}"
    data = bytearray(target.read_bytes())
    spare = PAGE_SIZE + (8180 if suffix == ".db" else 20)
    data[spare : spare + 12] = bytes(12)
    data[PAGE_SIZE + 100] ^= 1  # the change the missing checksum would hide
    target.write_bytes(bytes(data))
    report = check_dir(data_dir, layout_of)
    p1 = [d for d in report.defects if d.invariant == "P1"]
    assert [(d.file, d.page) for d in p1] == [(f"c{suffix}", 2)]
    assert "no checksum in a file written by ntc-tui" in p1[0].message
    with pytest.raises(CorruptError, match=rf"c\{suffix} page 2: no checksum"):
        read_state(data_dir)
    result = repair_dir(data_dir, layout_of)
    assert result.after.ok
    assert result.kept == {"c": 899 if suffix == ".db" else 900}


@pytest.mark.parametrize(
    ("suffix", "at"), [(".db", 8188), (".db", 8191), (".idx", 28), (".idx", 31)]
)
def test_the_reserved_bytes_after_a_checksum_must_be_zero(
    data_dir: Path, suffix: str, at: int
) -> None:
    rows = conn_table(data_dir, 900)
    flip(data_dir / f"c{suffix}", PAGE_SIZE + at, 0)
    report = check_dir(data_dir, layout_of)
    p1 = [d for d in report.defects if d.invariant == "P1"]
    assert [(d.file, d.page) for d in p1] == [(f"c{suffix}", 2)]
    assert "reserved bytes after the checksum are not zero" in p1[0].message
    with pytest.raises(CorruptError, match="reserved bytes"):
        read_state(data_dir)
    assert repair_dir(data_dir, layout_of).after.ok
    assert read_state(data_dir)["c"] == rows


def test_an_entry_pointing_past_the_records_file_is_a_clear_error(data_dir: Path) -> None:
    conn_table(data_dir, 100)  # one leaf: the root
    index = bytearray((data_dir / "c.idx").read_bytes())
    struct.pack_into("<I", index, IDX_HEADER_SIZE + 24 * 7 + 16, 99)  # entry 7's db_page
    (data_dir / "c.idx").write_bytes(seal_index_page(index))  # a sound page, a wrong pointer
    with pytest.raises(CorruptError) as raised:
        read_state(data_dir)
    assert str(raised.value) == (
        "c.db: page 99 does not exist (1 pages) — run `ntc-tui db check --repair`"
    )
    report = check_dir(data_dir, layout_of)
    assert [(d.file, d.page, d.invariant) for d in report.defects[:1]] == [("c.idx", 1, "I9")]
    assert repair_dir(data_dir, layout_of).kept == {"c": 100}


def test_records_without_checksums_beside_an_index_with_them_are_damage(data_dir: Path) -> None:
    rows = conn_table(data_dir, 100)  # one DB page: no other page would give the damage away
    records = bytearray((data_dir / "c.db").read_bytes())
    records[8180:8192] = bytes(12)
    records[LAYOUTS["c"].record_offset(3) + 12] ^= 1  # the vol of record 3
    (data_dir / "c.db").write_bytes(bytes(records))
    report = check_dir(data_dir, layout_of)
    assert ("c.db", 1, "P1") in {(d.file, d.page, d.invariant) for d in report.defects}
    for writer in (False, True):
        with (
            DataDir.open(data_dir, writer=writer) as datadir,
            pytest.raises(CorruptError, match=r"c\.db page 1: no checksum while c\.idx has them"),
        ):
            datadir.table("c", LAYOUTS["c"])
    result = repair_dir(data_dir, layout_of)
    assert result.after.ok and result.kept == {"c": 100}  # the index confirms every key
    assert len(result.salvaged) == 1
    assert sum(state != rows[key] for key, state in read_state(data_dir)["c"].items()) == 1
