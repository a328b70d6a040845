"""Import benchmarks: tcpdump text lines/s against mawk's floor, and the pcap path's packets/s."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

from ntc_tui.importer import ImportOptions, run_import
from ntc_tui.store import Store
from tests.bench.common import Measurement, Row, format_table, rate
from tests.importer.threads import in_other_thread
from tests.support import pcapgen

RUNS = 3
FLAGS = ["-tt", "-e", "-v", "-n"]  # the original collector's files
# mawk's floor: the bytes of each second, from the first word and the -e frame length
MAWK_PROGRAM = (
    '/^[0-9]/ { split($1, t, "."); for (i = 2; i <= NF; i++) if ($i == "length") '
    "{ b[t[1]] += $(i + 1); break } } END { for (s in b) print s, b[s] }"
)
_LEADING_SECOND = re.compile(rb"^(\d+)\.", re.MULTILINE)


def _render(pcap: Path, out: Path) -> None:
    with out.open("wb") as text:
        subprocess.run(
            ["tcpdump", "-r", str(pcap), *FLAGS], stdout=text, stderr=subprocess.DEVNULL, check=True
        )


def _repeat(text: bytes, copies: int, span: int) -> bytes:
    """``copies`` of tcpdump's text one after the other, each ``span`` seconds later."""
    parts = [text]
    for copy in range(1, copies):
        shift = copy * span
        parts.append(
            _LEADING_SECOND.sub(
                lambda match, by=shift: str(int(match[1]) + by).encode() + b".", text
            )
        )
    return b"".join(parts)


def _ours(paths: list[Path], workdir: Path, one_core: bool = False) -> tuple[float, int]:
    """Seconds a clean import of ``paths`` takes into a new data directory, and its packets.
    ``one_core``: run from a thread other than the main one, where the importer counts in its
    own process instead of a worker per core."""
    folder = Path(tempfile.mkdtemp(dir=workdir))

    def work() -> tuple[float, int]:
        with Store.open(folder / "db", writer=True) as store:
            start = time.perf_counter()
            summary = run_import(paths, store, ImportOptions(utc=True))
            seconds = time.perf_counter() - start
        assert summary.exit_code() == 0, summary.as_json()
        return seconds, summary.packets

    return in_other_thread(work) if one_core else work()


def _mawk(paths: list[Path]) -> float:
    start = time.perf_counter()
    subprocess.run(["mawk", MAWK_PROGRAM, *map(str, paths)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _split(path: Path, parts: int) -> list[Path]:
    """``path`` cut at packet lines into ``parts`` files named like tcpdump's rotation."""
    data = path.read_bytes()
    pieces = []
    start = 0
    for part in range(1, parts + 1):
        end = len(data) if part == parts else data.find(b"\n1", len(data) * part // parts) + 1
        piece = path.with_name(f"traffic_{part}.txt")
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
        pcap = workdir / "base.pcap"
        pcapgen.write_pcap(pcap, pcapgen.mixed_traffic(base_packets))
        base_text = workdir / "base.txt"
        _render(pcap, base_text)
        span = int(base_packets / 10_000) + 1  # mixed_traffic: 10,000 packets a second
        big = workdir / "big.txt"
        big.write_bytes(_repeat(base_text.read_bytes(), copies, span))
        lines = big.read_bytes().count(b"\n")
        parts = _split(big, 4)
        one_core = Measurement("text import, one file, one core", "lines/s")
        two_cores = Measurement("text import, one file, worker per core", "lines/s")
        several = Measurement("text import, 4 files, worker per core", "lines/s")
        floor = Measurement("mawk summing bytes per second", "lines/s")
        floor_files = Measurement("mawk over the 4 files", "lines/s")
        text_same = Measurement("text import of the pcap's packets", "packets/s")
        pcap_packets = Measurement("pcap import (tshark)", "packets/s")
        for _ in range(runs):
            seconds, _ = _ours([big], workdir, one_core=True)
            one_core.samples.append(rate(lines, seconds))
            seconds, _ = _ours([big], workdir)
            two_cores.samples.append(rate(lines, seconds))
            seconds, _ = _ours(parts, workdir)
            several.samples.append(rate(lines, seconds))
            floor.samples.append(rate(lines, _mawk([big])))
            floor_files.samples.append(rate(lines, _mawk(parts)))
            seconds, packets = _ours([pcap], workdir)
            pcap_packets.samples.append(rate(packets, seconds))
            seconds, packets = _ours([base_text], workdir)
            text_same.samples.append(rate(packets, seconds))
        note = f"{lines:,} lines of `tcpdump {' '.join(FLAGS)}`"
        return [
            Row("import", one_core, floor, note),
            Row("import", two_cores, floor, note),
            Row("import", several, floor_files, note),
            Row("import", text_same, pcap_packets, f"{base_packets:,} packets, text vs pcap"),
        ]


if __name__ == "__main__":
    print(format_table(run()))
