"""Pieces counted in worker processes give what one process counting them in order gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntc_tui.capture import tcpdump_text as grammar
from ntc_tui.importer import ImportOptions, ImportSummary, run_import, textfile
from ntc_tui.store import Store
from tests.importer.conftest import Totals, render, stored
from tests.importer.threads import in_other_thread
from tests.support import pcapgen


def _import(path: Path, db: Path) -> tuple[ImportSummary, Totals]:
    with Store.open(db, writer=True) as store:
        summary = run_import([path], store, ImportOptions(utc=True))
        return summary, stored(store)


def test_workers_count_as_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 16 << 10)  # about 60 pieces
    monkeypatch.setattr(textfile, "BATCH_BYTES", 64 << 10)
    pcap = tmp_path / "capture.pcap"
    pcapgen.write_pcap(pcap, pcapgen.mixed_traffic(3000, seed=5))
    text = render(pcap, ["-tt", "-e", "-v", "-n"], tmp_path / "capture.txt")
    lines = text.read_bytes().split(b"\n")
    bad = b"1760000000.100000 IP 10.0.0.1.1 >> 10.0.0.2: garbage, length 5"
    overlong = b"1760000000.2 IP 10.0.0.1.40000 > 10.0.0.2.80: " + b"y" * (70 << 10)
    places = []
    for wanted, line in ((4000, bad), (3000, overlong), (2500, bad), (900, bad), (7, bad)):
        index = wanted
        while not lines[index][:1].isdigit():  # before a packet, not inside a -v one
            index += 1
        lines.insert(index, line)
        places.append(index)
    text.write_bytes(b"\n".join(lines))
    parallel, parallel_totals = _import(text, tmp_path / "parallel")  # worker processes
    serial, serial_totals = in_other_thread(lambda: _import(text, tmp_path / "serial"))
    assert parallel_totals == serial_totals
    assert parallel.files[0].packets == serial.files[0].packets == 3000
    assert parallel.files[0].rejected == serial.files[0].rejected
    assert parallel.files[0].rejected == {grammar.MALFORMED: 4, grammar.OVERLONG: 1}
    assert parallel.files[0].examples == serial.files[0].examples
    numbers = sorted(index + 1 + offset for offset, index in enumerate(sorted(places)))
    assert [example.split(": ")[0] for example in parallel.files[0].examples] == [
        f"{text}:{number}" for number in numbers
    ]
