"""Files written by the original C program: read, their defects reported, repaired, totals kept."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from ntc_tui.storage import CorruptError, DataDir, Layout
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.layout import IDX_HEADER_SIZE, PAGE_SIZE
from ntc_tui.storage.repair import repair_dir

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c-ntc"
CONN = Layout("<III")


def layouts(stem: str) -> Layout | None:
    return CONN if stem == "ntc" else None


def rows(path: Path) -> list[tuple[tuple[int, ...], int, int]]:
    with DataDir.open(path, writer=False) as datadir:
        return list(datadir.table("ntc", CONN).scan())


@pytest.fixture(params=["run1", "run2", "lazy171"])
def original(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    target = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, target)
    return target


def test_original_files_are_read(original: Path) -> None:
    found = rows(original)
    expected = {"run1": (4, 27180, 51), "run2": (4, 241498, 238), "lazy171": (171, 31635, 171)}
    count, vol, packs = expected[original.name]
    assert len(found) == count
    assert sum(r[1] for r in found) == vol and sum(r[2] for r in found) == packs
    assert [r[0] for r in found] == sorted(r[0] for r in found)
    if original.name == "run1":  # the garbage key of ORIGINS.md, 0.0.127.250 > 45.18.214.192
        assert found[0] == ((0x07EA0B16, 0x00007FFA, 0x2D12D6C0), 42, 1)
        assert found[1][0] == (0x07EA0B16, 0x0AC80001, 0x0AC80002)


def test_original_defects_are_reported_then_repaired(original: Path) -> None:
    before = rows(original)
    report = check_dir(original, layouts)
    rules = {(d.file, d.page, d.invariant) for d in report.defects}
    assert ("ntc.idx", 1, "I6") in rules  # the original marks leaves with 0, not 0xFFFFFFFF
    if original.name == "lazy171":  # a root full of "no child yet" and a lone lazy child
        assert ("ntc.idx", 2, "I3") in rules and ("ntc.idx", 2, "I6") in rules
    with (
        DataDir.open(original, writer=True) as datadir,
        pytest.raises(CorruptError, match=r"original ntc.*--repair"),
    ):
        datadir.table("ntc", CONN)
    result = repair_dir(original, layouts)
    assert result.rebuilt == ["ntc"] and not result.dropped
    assert result.after.ok, result.after.defects
    assert rows(original) == before  # records and totals unchanged
    with DataDir.open(original, writer=True) as datadir:  # and now ntc-tui may add to them
        datadir.table("ntc", CONN).upsert(before[0][0], 1, 1)
        datadir.commit()
    assert rows(original)[0][1:] == (before[0][1] + 1, before[0][2] + 1)


def test_the_340th_record_indexed_one_page_too_far_is_found_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "data"
    keys = [(20240101, 0x0A000000 + n, 0xC0A80001) for n in range(345)]
    with DataDir.open(path, writer=True, create=True) as datadir:
        table = datadir.table("ntc", CONN)
        for key in keys:  # one by one, in order: record n is slot n % 340 of page n // 340 + 1
            table.upsert(key, 100, 1)
        datadir.commit()
    index = bytearray((path / "ntc.idx").read_bytes())
    target = keys[339]
    for page in range(len(index) // PAGE_SIZE):
        base = page * PAGE_SIZE
        count = struct.unpack_from("<I", index, base)[0]
        for slot in range(count):
            entry = base + IDX_HEADER_SIZE + 24 * slot
            if struct.unpack_from("<III", index, entry) == target:
                struct.pack_into("<I", index, entry + 16, 2)  # the original's db_page + 1
        index[base + 20 : base + 32] = bytes(12)  # as the original left it: no checksum
    (path / "ntc.idx").write_bytes(bytes(index))
    report = check_dir(path, layouts)
    found = {(d.invariant, d.key) for d in report.defects}
    assert ("I9", target) in found and ("I10", target) in found
    with DataDir.open(path, writer=False) as datadir:  # a reader follows the records, not the index
        table = datadir.table("ntc", CONN)
        assert table.get(target) == (100, 1)
        assert [key for key, _, _ in table.scan()] == keys
    result = repair_dir(path, layouts)
    assert result.after.ok and result.kept == {"ntc": 345}
    assert [r[0] for r in rows(path)] == keys and all(r[1:] == (100, 1) for r in rows(path))
