"""Memory of a long live run: RSS of ntc-tui and its capture processes after 1M and 10M packets."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import Measurement, Row, format_table
from tests.support import pcapgen
from tests.support.netns import VethPair

REPO = Path(__file__).resolve().parents[2]
REPLAY_PACKETS = 100_000  # one pass of the replayed file; its pairs are the fixed set
PAIRS = 50  # pcapgen.mixed_traffic's host pairs: about 10,000 distinct (src, dst) in all
PPS = 100_000
CAPTURE_NAMES = ("tshark", "dumpcap")


def _process_tree(root: int) -> dict[int, str]:
    """``root`` and its descendants: pid -> command name."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name_end = stat.rindex(")")
        names[int(entry.name)] = stat[stat.index("(") + 1 : name_end]
        parents[int(entry.name)] = int(stat[name_end + 2 :].split()[1])
    tree = {root}
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return {pid: names[pid] for pid in tree if pid in names}


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


class LiveNtc:
    """`ntc-tui IFACE --headless --db` in B's namespace, persisting every 10 s."""

    def __init__(self, link: VethPair, data_dir: Path) -> None:
        argv = [
            sys.executable, "-m", "ntc_tui", link.b.interface, "--headless", "--db",
            "--db-dir", str(data_dir), "--no-report", "--utc",
        ]  # fmt: skip
        self.process = link.popen(
            link.b, argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while not self._capture_pids():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("ntc-tui did not start its capture")
            time.sleep(0.2)
        time.sleep(2)  # tshark is running; give dumpcap its start

    def _tree(self) -> dict[int, str]:
        return _process_tree(self.process.pid)

    def _python_pid(self) -> int:
        return max(pid for pid, name in self._tree().items() if name.startswith("python"))

    def _capture_pids(self) -> list[int]:
        return [pid for pid, name in self._tree().items() if name in CAPTURE_NAMES]

    def settle(self) -> None:
        """Wait until ntc-tui and tshark caught up (CPU nearly idle for a second), at most 60 s."""
        pids = list(self._tree())
        deadline = time.monotonic() + 60
        before = _cpu_ticks(pids)
        while time.monotonic() < deadline:
            time.sleep(1)
            after = _cpu_ticks(pids)
            if after - before < 20:  # under 0.2 CPU-seconds in the last second
                return
            before = after

    def rss(self) -> dict[str, float]:
        """RSS in MiB of ntc-tui and of each of its capture processes, by name."""
        sizes = {"ntc-tui": _rss_mib(self._python_pid())}
        for pid, name in self._tree().items():
            if name in CAPTURE_NAMES:
                sizes[name] = sizes.get(name, 0.0) + _rss_mib(pid)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def _replay(link: VethPair, replay: Path, packets: int) -> None:
    link.run(
        link.a,
        [
            "tcpreplay",
            f"--pps={PPS}",
            f"--loop={math.ceil(packets / REPLAY_PACKETS)}",
            f"--limit={packets}",
            "-i",
            link.a.interface,
            str(replay),
        ],
    )


def run(quick: bool = False) -> list[Row]:
    """RSS after the first and the last of ``total`` replayed packets: 1M and 10M (quick: 300k
    and 1M). The first sample comes after the warm-up: every pair of the fixed set has been seen
    (by 100k packets) and the first flushes are done."""
    if os.geteuid() != 0:
        return []
    first, total = (300_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    names = ("ntc-tui", *CAPTURE_NAMES)
    after_total = {
        name: Measurement(f"{name} RSS after {total:,} packets", "MiB", lower_is_better=True)
        for name in names
    }
    after_first = {
        name: Measurement(f"{name} RSS after {first:,} packets", "MiB", lower_is_better=True)
        for name in names
    }
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp, VethPair(subnet=79) as link:
        replay = Path(tmp) / "replay.pcap"
        pcapgen.write_pcap(replay, pcapgen.mixed_traffic(REPLAY_PACKETS, pairs=PAIRS))
        ntc = LiveNtc(link, Path(tmp) / "data")
        try:
            _replay(link, replay, first)
            ntc.settle()
            for name, size in ntc.rss().items():
                after_first[name].samples.append(size)
            _replay(link, replay, total - first)
            ntc.settle()
            for name, size in ntc.rss().items():
                after_total[name].samples.append(size)
        finally:
            ntc.stop()
    note = (
        f"live on a veth pair at {PPS:,} packets/s, a fixed set of ~10,000 pairs, "
        "persistence on (flush every 10 s); one run; target: within 10 %"
    )
    rows = [Row("memory", after_total[name], after_first[name]) for name in names]
    rows[0].note = note
    return rows


if __name__ == "__main__":
    print(format_table(run(quick="--quick" in sys.argv)))
