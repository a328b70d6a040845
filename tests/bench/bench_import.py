"""Import benchmarks: tcpdump text lines/s against mawk's floor, the ceilings under the text path
(its expression alone, its counting without the store), and the pcap path's packets/s for the same
packets."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ntc_tui.capture.tcpdump_chunks import ChunkReader, detect_flavour, last_packet_start
from ntc_tui.capture.tcpdump_fast import fast_path
from ntc_tui.importer import ImportOptions, run_import
from ntc_tui.importer.textfile import CHUNK_BYTES
from ntc_tui.records import DayCalendar
from ntc_tui.store import Batch, Store
from tests.bench.common import Measurement, Row, format_table, rate, timed
from tests.importer.threads import in_other_thread
from tests.support import pcapgen

RUNS = 3
FLAGS = ["-tt", "-e", "-v", "-n"]  # the original collector's files
# mawk's floor: the bytes of each second, from the first word and the -e frame length
MAWK_PROGRAM = (
    '/^[0-9]/ { split($1, t, "."); for (i = 2; i <= NF; i++) if ($i == "length") '
    "{ b[t[1]] += $(i + 1); break } } END { for (s in b) print s, b[s] }"
)


def _render(pcap: Path, out: Path) -> None:
    with out.open("wb") as text:
        subprocess.run(
            ["tcpdump", "-r", str(pcap), *FLAGS], stdout=text, stderr=subprocess.DEVNULL, check=True
        )


def _repeated(base: list[pcapgen.Packet], copies: int, span: float) -> Iterator[pcapgen.Packet]:
    """``copies`` of the packets one after the other, each ``span`` seconds later."""
    for copy in range(copies):
        for ts, frame in base:
            yield ts + copy * span, frame


class _TimedStore:
    """A store whose atomic batches are timed: the storage engine's share of an import."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.seconds = 0.0

    def apply(self, batch: Batch) -> None:
        start = time.perf_counter()
        self._store.apply(batch)
        self.seconds += time.perf_counter() - start

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def _ours(paths: list[Path], workdir: Path, one_core: bool = False) -> tuple[float, int, float]:
    """Seconds a clean import of ``paths`` takes into a new data directory, its packets, and
    the seconds of it spent committing batches to the store. ``one_core``: run from a thread
    other than the main one, where the importer counts in its own process instead of a worker
    per core."""
    folder = Path(tempfile.mkdtemp(dir=workdir))

    def work() -> tuple[float, int, float]:
        with Store.open(folder / "db", writer=True) as store:
            timed: Any = _TimedStore(store)  # the store's methods, its batches timed
            start = time.perf_counter()
            summary = run_import(paths, timed, ImportOptions(utc=True))
            seconds = time.perf_counter() - start
        assert summary.exit_code() == 0, summary.as_json()
        return seconds, summary.packets, timed.seconds

    return in_other_thread(work) if one_core else work()


def _mawk(paths: list[Path]) -> float:
    start = time.perf_counter()
    subprocess.run(["mawk", MAWK_PROGRAM, *map(str, paths)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _pieces(data: bytes, numbered: bool) -> list[tuple[bytes, int]]:
    """The text cut as the importer cuts it: pieces of whole packets of up to CHUNK_BYTES, each
    with the number of its first line."""
    pieces = []
    start, line = 0, 1
    while start < len(data):
        end = start + CHUNK_BYTES
        if end < len(data):
            end = start + last_packet_start(data[start:end], numbered)
        piece = data[start:end]
        pieces.append((piece, line))
        line += piece.count(b"\n")
        start = end
    return pieces


def _ceilings(path: Path) -> tuple[float, float]:
    """Seconds, on one core, of the fast path's expression alone over the file's pieces (what
    Python's re costs before anything is counted) and of counting the pieces with no store
    (ChunkReader.read, what a worker does): rates a one-core import of the file cannot exceed."""
    data = path.read_bytes()
    flavour = detect_flavour(data[:CHUNK_BYTES], None).flavour
    fast = fast_path(flavour)
    assert fast is not None, flavour
    pieces = _pieces(data, flavour.numbered)
    expression = timed(lambda: [fast.pattern.findall(b"\n" + piece) for piece, _ in pieces])
    reader = ChunkReader(flavour, DayCalendar(utc=True))
    counting = timed(lambda: [reader.read(piece, line) for piece, line in pieces])
    return expression, counting


def _split(path: Path, parts: int) -> list[Path]:
    """``path`` cut at packet lines into ``parts`` files named like tcpdump's rotation, in a
    folder of their own."""
    data = path.read_bytes()
    folder = path.with_name(f"{parts} files")
    folder.mkdir()
    pieces = []
    start = 0
    for part in range(1, parts + 1):
        end = len(data) if part == parts else data.find(b"\n1", len(data) * part // parts) + 1
        piece = folder / f"traffic_{part}.txt"
        piece.write_bytes(data[start:end])
        pieces.append(piece)
        start = end
    return pieces


def run(quick: bool = False) -> list[Row]:
    """Lines/s of the text path (one core, both cores, several files) against mawk over the same
    text; packets/s of the text path against the pcap path (tshark) for the same packets."""
    base_packets = 20_000 if quick else 100_000
    copies = 2 if quick else 7
    runs = 1 if quick else RUNS
    with tempfile.TemporaryDirectory(prefix="ntc-bench-import-") as temporary:
        workdir = Path(temporary)
        base = list(pcapgen.mixed_traffic(base_packets))
        span = int(base_packets / 10_000) + 1  # mixed_traffic: 10,000 packets a second
        pcap = workdir / "big.pcap"
        pcapgen.write_pcap(pcap, _repeated(base, copies, span))
        big = workdir / "big.txt"
        _render(pcap, big)
        lines = big.read_bytes().count(b"\n")
        parts = _split(big, 4)
        small_parts = _split(big, 40)  # a folder of small files: a few MB each
        one_core = Measurement("text import, one file, one core", "lines/s")
        two_cores = Measurement("text import, one file, worker per core", "lines/s")
        several = Measurement("text import, 4 files, worker per core", "lines/s")
        many = Measurement("text import, 40 files, worker per core", "lines/s")
        expression = Measurement(
            "the fast path's expression alone (re.findall), one core", "lines/s"
        )
        counting = Measurement("counting without the store (ChunkReader.read), one core", "lines/s")
        floor = Measurement("mawk summing bytes per second", "lines/s")
        floor_files = Measurement("mawk over the 4 files", "lines/s")
        floor_many = Measurement("mawk over the 40 files", "lines/s")
        text_same = Measurement("text import of the pcap's packets", "packets/s")
        pcap_packets = Measurement("pcap import (tshark)", "packets/s")
        store_share = Measurement("store commits, one-core text import", "s")
        whole = Measurement("the whole one-core text import", "s")
        for _ in range(runs):
            seconds, _, committing = _ours([big], workdir, one_core=True)
            one_core.samples.append(rate(lines, seconds))
            store_share.samples.append(committing)
            whole.samples.append(seconds)
            seconds, packets, _ = _ours([big], workdir)
            two_cores.samples.append(rate(lines, seconds))
            text_same.samples.append(rate(packets, seconds))
            seconds, _, _ = _ours(parts, workdir)
            several.samples.append(rate(lines, seconds))
            seconds, _, _ = _ours(small_parts, workdir)
            many.samples.append(rate(lines, seconds))
            floor_many.samples.append(rate(lines, _mawk(small_parts)))
            floor.samples.append(rate(lines, _mawk([big])))
            expression_seconds, counting_seconds = _ceilings(big)
            expression.samples.append(rate(lines, expression_seconds))
            counting.samples.append(rate(lines, counting_seconds))
            floor_files.samples.append(rate(lines, _mawk(parts)))
            seconds, packets, _ = _ours([pcap], workdir)
            pcap_packets.samples.append(rate(packets, seconds))
        note = f"{lines:,} lines of `tcpdump {' '.join(FLAGS)}`"
        packets_note = f"{base_packets * copies:,} packets, text (worker per core) vs pcap"
        return [
            Row("import", one_core, floor, note),
            Row("import", two_cores, floor, note),
            Row("import", several, floor_files, note),
            Row("import", many, floor_many, note),
            Row(
                "import",
                expression,
                floor,
                "this expression only, nothing counted: a ceiling of the text path",
            ),
            Row(
                "import",
                counting,
                floor,
                "what a worker does, no store: a ceiling of the one-core import",
            ),
            Row("import", text_same, pcap_packets, packets_note),
            Row("import", store_share, whole, "ratio: the share of the import in Store.apply"),
        ]


if __name__ == "__main__":
    print(format_table(run()))
