"""Progress: bytes move inside a file as its packets are counted, and reach the end with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.importer import ImportOptions, ImportProgress, run_import, textfile
from ntc_tui.store import Store
from tests.importer.conftest import render
from tests.importer.threads import in_other_thread
from tests.support import pcapgen

PACKETS = 20_000


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "capture.pcap"
    pcapgen.write_pcap(path, pcapgen.mixed_traffic(PACKETS, seed=4))
    return path


def _states(path: Path, store: Store) -> list[ImportProgress]:
    states: list[ImportProgress] = []
    summary = run_import([path], store, ImportOptions(utc=True), states.append)
    assert summary.exit_code() == 0
    return states


def _in_file(states: list[ImportProgress], path: Path) -> list[ImportProgress]:
    return [state for state in states if state.current == path]


def test_a_capture_shows_its_bytes_done_while_tshark_reads_it(capture: Path, store: Store) -> None:
    states = _states(capture, store)
    size = capture.stat().st_size
    inside = _in_file(states, capture)
    assert any(0 < state.bytes_done < size and state.packets > 0 for state in inside)
    done = [state.bytes_done for state in inside]
    assert done == sorted(done)  # it never goes back
    for state in inside:  # bytes follow the packets (records of 90-1514 bytes, in order)
        assert abs(state.bytes_done / size - state.packets / PACKETS) < 0.1
    assert (states[-1].files_done, states[-1].bytes_done, states[-1].packets) == (1, size, PACKETS)


@pytest.mark.parametrize("workers", [True, False])
def test_text_shows_the_bytes_of_the_packets_counted(
    workers: bool, capture: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(textfile, "BATCH_BYTES", 256 << 10)
    text = render(capture, ["-tt", "-e", "-v", "-n"], tmp_path / "capture.txt")
    size = text.stat().st_size
    # from the main thread, pieces are counted in a worker per core; from another, in its own
    states = _states(text, store) if workers else in_other_thread(lambda: _states(text, store))
    inside = _in_file(states, text)
    assert len([state for state in inside if 0 < state.bytes_done < size]) > 10
    piece = (64 << 10) / size
    for state in inside:  # never ahead of what was counted (by more than a piece's line)
        assert state.bytes_done / size <= state.packets / PACKETS + piece
    assert (states[-1].files_done, states[-1].bytes_done, states[-1].packets) == (1, size, PACKETS)
