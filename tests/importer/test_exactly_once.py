"""Exactly once: the ledger knows contents, not names; grown files continue; kills lose nothing."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ntc_tui.importer import ImportOptions, ImportProgress, pcapfile, run_import, textfile
from ntc_tui.store import Store
from tests.importer.conftest import REPO, Totals, import_paths, render, stored
from tests.support import pcapgen


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three tcpdump text files of different flavours and one pcap, of different traffic."""
    base = tmp_path_factory.mktemp("once")
    pcaps = []
    for index in range(4):
        pcap = base / f"part{index}.pcap"
        start = 1_760_000_000.0 + index * 1000
        pcapgen.write_pcap(pcap, pcapgen.mixed_traffic(1500, seed=index, start=start))
        pcaps.append(pcap)
    files = base / "files"
    files.mkdir()
    render(pcaps[0], ["-tt", "-e", "-v", "-n"], files / "traffic_1.txt")
    render(pcaps[1], ["-tt", "-n"], files / "traffic_2.txt")
    render(pcaps[2], ["-tttt", "-e", "-nn"], files / "traffic_10.txt")
    shutil.copy(pcaps[3], files / "traffic_11.pcap")
    return files


@pytest.fixture(scope="module")
def once(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Totals:
    """The totals of one clean import of the folder."""
    with Store.open(tmp_path_factory.mktemp("clean") / "db", writer=True) as clean:
        summary = import_paths(clean, folder)
        assert summary.exit_code() == 0
        return stored(clean)


def test_the_same_folder_twice_adds_nothing(folder: Path, once: Totals, store: Store) -> None:
    import_paths(store, folder)
    again = import_paths(store, folder)
    assert [s.status for s in again.files] == ["already imported"] * 4
    assert again.packets == 0
    assert stored(store) == once


def test_renamed_and_compressed_copies_add_nothing(
    folder: Path, once: Totals, store: Store, tmp_path: Path
) -> None:
    import_paths(store, folder)
    copies = tmp_path / "copies"
    copies.mkdir()
    compressors = (gzip.compress, bz2.compress, lzma.compress, lambda data: data)
    for index, path in enumerate(sorted(folder.iterdir())):
        data = compressors[index % len(compressors)](path.read_bytes())
        (copies / f"renamed-{index}.bin").write_bytes(data)
    summary = import_paths(store, copies)
    assert [s.status for s in summary.files] == ["already imported"] * 4
    assert {s.kind for s in summary.files} == {  # in lexical order: traffic_11.pcap is third
        "tcpdump text (gzip)",
        "tcpdump text (bzip2)",
        "pcap (xz)",
        "tcpdump text",
    }
    assert stored(store) == once


def test_compressed_files_import_as_their_content(
    folder: Path, once: Totals, store: Store, tmp_path: Path
) -> None:
    for index, path in enumerate(sorted(folder.iterdir())):
        compress = (gzip.compress, bz2.compress, lzma.compress)[index % 3]
        (tmp_path / f"{path.name}.packed").write_bytes(compress(path.read_bytes()))
    summary = import_paths(store, *sorted(tmp_path.glob("*.packed")))
    assert [s.status for s in summary.files] == ["imported"] * 4
    assert stored(store) == once


def test_force_imports_again(folder: Path, once: Totals, store: Store) -> None:
    import_paths(store, folder)
    summary = import_paths(store, folder, force=True)
    assert [s.status for s in summary.files] == ["imported"] * 4
    cells, pairs = stored(store)
    assert cells == {key: (2 * b, 2 * p) for key, (b, p) in once[0].items()}
    assert pairs == {key: (2 * b, 2 * p) for key, (b, p) in once[1].items()}
    import_paths(store, folder)  # and the ledger still knows every file
    assert stored(store)[0] == cells


def test_a_grown_file_continues_where_it_stopped(
    folder: Path, once: Totals, store: Store, tmp_path: Path
) -> None:
    for path in sorted(folder.iterdir()):
        if path.suffix == ".pcap":
            continue  # below
        content = path.read_bytes()
        half = content.find(b"\n", len(content) // 2) + 1
        (tmp_path / path.name).write_bytes(content[:half])
    import_paths(store, tmp_path)
    for path in sorted(tmp_path.glob("*.txt")):
        path.write_bytes((folder / path.name).read_bytes())
    summary = import_paths(store, folder)
    statuses = {s.path.name: s.status for s in summary.files}
    assert statuses == {
        "traffic_1.txt": "continued",
        "traffic_2.txt": "continued",
        "traffic_10.txt": "continued",
        "traffic_11.pcap": "imported",
    }
    assert stored(store) == once


def test_a_grown_pcap_continues_after_its_counted_packets(store: Store, tmp_path: Path) -> None:
    packets = list(pcapgen.mixed_traffic(600, seed=9))
    whole = tmp_path / "whole.pcap"
    pcapgen.write_pcap(whole, packets)
    with Store.open(tmp_path / "clean", writer=True) as clean:
        import_paths(clean, whole)
        expected = stored(clean)
    growing = tmp_path / "growing" / "capture.pcap"
    growing.parent.mkdir()
    pcapgen.write_pcap(growing, packets[:250])
    assert import_paths(store, growing).packets == 250
    pcapgen.write_pcap(growing, packets)
    summary = import_paths(store, growing)
    assert summary.files[0].status == "continued"
    assert summary.packets == 350
    assert stored(store) == expected


def _pcapng(pcap: Path, out: Path) -> Path:
    subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(out)], check=True)
    return out


@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_a_capture_cut_in_the_middle_of_a_packet_counts_up_to_the_cut_and_continues(
    kind: str, store: Store, tmp_path: Path
) -> None:
    packets = list(pcapgen.mixed_traffic(600, seed=11))
    whole = tmp_path / "whole.pcap"
    pcapgen.write_pcap(whole, packets)
    if kind == "pcapng":
        whole = _pcapng(whole, tmp_path / "whole.pcapng")
    with Store.open(tmp_path / "clean", writer=True) as clean:
        import_paths(clean, whole)
        expected = stored(clean)
    part = tmp_path / "part.pcap"
    pcapgen.write_pcap(part, packets[:300])
    if kind == "pcapng":
        part = _pcapng(part, tmp_path / "part.pcapng")
    content = whole.read_bytes()
    assert content.startswith(part.read_bytes())
    cut = part.stat().st_size + 40  # 40 bytes into packet 301
    growing = tmp_path / "growing" / f"capture.{kind}"
    growing.parent.mkdir()
    growing.write_bytes(content[:cut])
    first = import_paths(store, growing)
    (file_summary,) = first.files
    assert file_summary.packets == 300
    assert file_summary.rejected == {pcapfile.TRUNCATED_PACKET: 1}
    assert "middle of a packet" in file_summary.note
    assert first.exit_code() == 1
    growing.write_bytes(content)  # the capture was written to its end
    second = import_paths(store, growing)
    assert second.files[0].status == "continued"
    assert second.exit_code() == 0
    assert first.packets + second.packets == 600
    assert stored(store) == expected


def test_a_cancelled_import_continues_exactly(
    folder: Path, once: Totals, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 8 << 10)
    monkeypatch.setattr(textfile, "BATCH_BYTES", 32 << 10)
    cancel = threading.Event()

    def progress(state: ImportProgress) -> None:
        if state.packets > 700:
            cancel.set()

    options = ImportOptions(utc=True)
    first = run_import([folder], store, options, progress, cancel)
    assert first.cancelled
    assert first.files[-1].status == "cancelled"
    assert 0 < first.packets < 6000
    assert first.exit_code() == 1
    second = run_import([folder], store, options)
    assert not second.cancelled
    assert second.files[0].status in ("continued", "already imported")
    assert first.packets + second.packets == 6000
    assert stored(store) == once


@pytest.mark.parametrize("stop_at", [300, 2100, 3700])
def test_an_import_killed_halfway_and_run_again_counts_once(
    stop_at: int, folder: Path, once: Totals, tmp_path: Path
) -> None:
    db = tmp_path / "db"
    child = subprocess.run(
        [sys.executable, "-m", "tests.importer.import_child", str(db), str(stop_at), str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    with Store.open(db, writer=True) as store:
        killed = stored(store)
        assert killed != once  # the kill came before the end
        summary = import_paths(store, folder)
        assert summary.exit_code() == 0
        assert stored(store) == once
