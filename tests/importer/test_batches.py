"""The files of a run share atomic batches: fewer commits, the same totals, copies within one run
known, and a batch the store refuses fails every file it held."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from ntc_tui.importer.model import ALREADY_IMPORTED, CONTINUED, FAILED, IMPORTED
from ntc_tui.storage import DataDir
from ntc_tui.store import Batch, Store
from tests.importer.conftest import Totals, import_paths, render, stored
from tests.storage.simdisk import SimDisk
from tests.support import pcapgen


class CountingStore(Store):
    """The real store, counting the atomic batches applied to it."""

    applied = 0

    def apply(self, batch: Batch) -> None:
        super().apply(batch)
        self.applied += 1


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four small files of one capture's traffic: three texts of different flavours, a pcap."""
    base = tmp_path_factory.mktemp("batches")
    flags = (["-tt", "-e", "-v", "-n"], ["-tt", "-n"], ["-tttt", "-e", "-nn"], None)
    made = []
    for index, flavour in enumerate(flags):
        pcap = base / f"part{index}.pcap"
        start = 1_760_000_000.0 + index * 100
        pcapgen.write_pcap(pcap, pcapgen.mixed_traffic(800, seed=index, start=start))
        if flavour is None:
            made.append(pcap)
        else:
            made.append(render(pcap, flavour, base / f"traffic_{index}.txt"))
    return made


@pytest.fixture(scope="module")
def one_by_one(files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Totals:
    """The totals of importing each file in a run of its own: a batch each."""
    with CountingStore.open(tmp_path_factory.mktemp("alone") / "db", writer=True) as store:
        for path in files:
            assert import_paths(store, path).exit_code() == 0
        assert store.applied == len(files)
        return stored(store)


def test_small_files_share_one_batch(files: list[Path], one_by_one: Totals, tmp_path: Path) -> None:
    with CountingStore.open(tmp_path / "db", writer=True) as store:
        summary = import_paths(store, *files)
        assert [file.status for file in summary.files] == [IMPORTED] * len(files)
        assert store.applied == 1
        assert stored(store) == one_by_one
        again = import_paths(store, *files)
        assert [file.status for file in again.files] == [ALREADY_IMPORTED] * len(files)
        assert stored(store) == one_by_one


def test_copies_of_a_queued_file_in_the_same_run_add_nothing(
    files: list[Path], tmp_path: Path
) -> None:
    text = files[0]
    renamed = tmp_path / "renamed.log"
    shutil.copy(text, renamed)
    packed = tmp_path / "packed.gz"
    packed.write_bytes(gzip.compress(text.read_bytes()))
    data = text.read_bytes()
    prefix = tmp_path / "first-half.txt"  # the same file before it grew
    prefix.write_bytes(data[: data.index(b"\n1", len(data) // 2) + 1])
    with Store.open(tmp_path / "alone", writer=True) as alone:
        import_paths(alone, text)
        expected = stored(alone)
    with Store.open(tmp_path / "db", writer=True) as store:
        summary = import_paths(store, prefix, text, renamed, packed)
        statuses = [file.status for file in summary.files]
        assert statuses == [IMPORTED, CONTINUED, ALREADY_IMPORTED, ALREADY_IMPORTED]
        assert stored(store) == expected


def test_a_batch_the_store_refuses_fails_each_of_its_files(
    files: list[Path], one_by_one: Totals
) -> None:
    disk = SimDisk()
    path = Path("/data/ntc-tui")
    disk.ensure_dir(path.parent)
    with Store(path, DataDir.open(path, writer=True, create=True, fileops=disk)) as store:
        disk.full_from_write = disk.writes + 1  # every write from now on: ENOSPC
        summary = import_paths(store, *files)
        assert all(file.status.startswith(f"{FAILED}: disk full") for file in summary.files)
        assert summary.packets == 0
        assert summary.exit_code() == 1
        assert stored(store) == ({}, {})
        disk.full_from_write = None  # space again: the same files import, once
        again = import_paths(store, *files)
        assert [file.status for file in again.files] == [IMPORTED] * len(files)
        assert stored(store) == one_by_one
