"""Shared pieces of the importer tests: generated captures, tcpdump renderings, stored totals."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.aggregate.tally import Tally
from ntc_tui.importer import ImportOptions, ImportSummary, run_import
from ntc_tui.records import DayCalendar, PacketRecord
from ntc_tui.store import Store
from tests.capture.kinds import capture_kinds
from tests.support import pcapgen

T0 = 1_760_000_000.25
REPO = Path(__file__).resolve().parents[2]
TEST4 = REPO / "tests" / "fixtures" / "tcpdump-text" / "test4.txt"
Totals = tuple[dict[tuple[int, str], tuple[int, int]], dict[tuple[object, ...], tuple[int, int]]]


def known_mix(count: int = 1500) -> list[pcapgen.Packet]:
    """Every kind of frame twice, then a mixed workload, timestamps increasing."""
    packets: list[pcapgen.Packet] = []
    ts = T0
    for _ in range(2):
        for _, frame in capture_kinds():
            packets.append((ts, frame))
            ts += 0.37
    packets += pcapgen.mixed_traffic(count, start=ts)
    return packets


def render(pcap: Path, flags: list[str], out: Path) -> Path:
    """``tcpdump -r pcap FLAGS`` written to ``out``: tcpdump's real text."""
    with out.open("wb") as text:
        subprocess.run(
            ["tcpdump", "-r", str(pcap), *flags], stdout=text, stderr=subprocess.DEVNULL, check=True
        )
    return out


def stored(store: Store) -> Totals:
    """(per-second protocol cells, per-day pairs) of a store, as (bytes, packets)."""
    cells = {(c.second, c.proto): (c.bytes, c.packets) for c in store.protocol_cells()}
    pairs = {(r.day, r.src, r.dst): (r.bytes, r.packets) for r in store.connections()}
    return cells, pairs


def tallied(records: list[PacketRecord], utc: bool = True) -> Totals:
    """What the counting rules make of records, in the same shape as ``stored``."""
    tally = Tally(DayCalendar(utc))
    tally.add(records)
    cells = {key: (value[0], value[1]) for key, value in tally.proto_cells.items()}
    pairs = {key: (value[0], value[1]) for key, value in tally.pairs.items()}
    return cells, pairs


def import_paths(
    store: Store,
    *paths: Path,
    force: bool = False,
    recursive: bool = False,
    date: datetime.date | None = None,
    utc: bool = True,
) -> ImportSummary:
    """run_import with UTC days unless told otherwise."""
    options = ImportOptions(recursive=recursive, force=force, date=date, utc=utc)
    return run_import(list(paths), store, options)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "db", writer=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def mix_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mix") / "mix.pcap"
    pcapgen.write_pcap(path, known_mix())
    return path
