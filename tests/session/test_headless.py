"""Headless sessions end to end: --read of the original's captures and a live veth capture."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

from ntc_tui.records import FAMILY_NONE, DayCalendar, PacketRecord, parse_address
from ntc_tui.store import Store
from tests.capture.conftest import REPO
from tests.capture.reference import reference_records
from tests.support import pcapgen
from tests.support.netns import VethPair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "c-ntc"
WAIT = 60.0

PairTotals = dict[tuple[int, object, object], tuple[int, int]]


def ntc(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntc_tui", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def stored_pairs(data_dir: Path) -> PairTotals:
    with Store.open(data_dir, writer=False) as store:
        return {
            (row.day, row.src, row.dst): (row.bytes, row.packets) for row in store.connections()
        }


def stored_protocols(data_dir: Path) -> Counter[str]:
    packets: Counter[str] = Counter()
    with Store.open(data_dir, writer=False) as store:
        for cell in store.protocol_cells():
            packets[cell.proto] += cell.packets
    return packets


def expected_pairs(records: Iterable[PacketRecord]) -> PairTotals:
    calendar = DayCalendar(utc=True)
    totals: dict[tuple[int, object, object], list[int]] = {}
    for record in records:
        if record.family == FAMILY_NONE:
            continue
        cell = totals.setdefault((calendar.code(record.ts), record.src, record.dst), [0, 0])
        cell[0] += record.length
        cell[1] += 1
    return {key: (cell[0], cell[1]) for key, cell in totals.items()}


@pytest.mark.parametrize("run", ["run1", "run2"])
def test_read_counts_the_originals_captures_as_tshark_reads_them(run: str, tmp_path: Path) -> None:
    capture = FIXTURES / run / "capture.pcap"
    data_dir = tmp_path / "data"
    result = ntc(
        "--read", str(capture), "--host", "10.200.0.1", "--headless", "--json", "--utc",
        "--db", "--db-dir", str(data_dir), "--report-dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)

    records = reference_records(capture)
    host = parse_address("10.200.0.1")
    out = [r for r in records if r.family != FAMILY_NONE and r.src == host]
    inbound = [r for r in records if r not in out]
    assert summary["out"] == {"bytes": sum(r.length for r in out), "packets": len(out)}
    assert summary["in"] == {"bytes": sum(r.length for r in inbound), "packets": len(inbound)}
    protocols = Counter(r.proto for r in records)
    assert {p["name"]: p["packets"] for p in summary["protocols"]} == protocols
    assert stored_pairs(data_dir) == expected_pairs(records)
    assert stored_protocols(data_dir) == protocols
    assert summary["pairs"] == len(expected_pairs(records))
    report = Path(summary["report"])
    assert report.parent == tmp_path and report.stat().st_mode & 0o777 == 0o600
    assert "10.200.0.1" in report.read_text()
    assert ntc("db", "check", "--db-dir", str(data_dir)).returncode == 0


class StoredTraffic:
    """Polls the data directory a live ntc-tui writes into, the way another reader would."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def protocol_packets(self, name: str) -> int:
        return stored_protocols(self.data_dir)[name]

    def send_until_stored(self, link: VethPair, frame: bytes, name: str, process: object) -> None:
        deadline = time.monotonic() + WAIT
        while not self.protocol_packets(name):
            assert time.monotonic() < deadline, f"ntc-tui never stored a {name} frame"
            assert getattr(process, "returncode", None) is None
            link.send(link.a, [frame])
            time.sleep(0.2)


@pytest.mark.live
def test_headless_live_capture_counts_and_stores_every_frame_sent(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with VethPair(subnet=78) as link:
        far_a = pcapgen.Host(link.a.host.mac, "10.78.5.1", "fd78:5::1")
        far_b = pcapgen.Host(link.b.host.mac, "10.78.6.1", "fd78:6::1")
        incoming = [pcapgen.frame_udp4(far_a, far_b, 60 + i % 1400) for i in range(600)]
        incoming += [pcapgen.frame_tcp6(far_a, far_b, 100 + i % 1300) for i in range(300)]
        incoming += [pcapgen.frame_raw(link.a.host, link.b.host, 0x88B7, 90)] * 50
        outgoing = [pcapgen.frame_udp4(link.b.host, far_a, 70 + i % 900) for i in range(400)]
        argv = [
            sys.executable, "-m", "ntc_tui", link.b.interface, "--headless", "--json", "--utc",
            "--db", "--db-dir", str(data_dir), "--flush-seconds", "1",
            "--report-dir", str(tmp_path), "--duration", "300",
        ]  # fmt: skip
        process = link.popen(link.b, argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stored = StoredTraffic(data_dir)
            ready = pcapgen.frame_raw(link.a.host, link.b.host, 0x88B5, 77)
            stored.send_until_stored(link, ready, "0x88b5", process)
            link.send(link.a, incoming)
            link.send(link.b, outgoing)
            done = pcapgen.frame_raw(link.a.host, link.b.host, 0x88B6, 78)
            stored.send_until_stored(link, done, "0x88b6", process)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=WAIT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, err.decode()
    summary = json.loads(out)

    day = DayCalendar(utc=True).code(time.time())
    sent = {
        (day, parse_address(far_a.ip4), parse_address(far_b.ip4)): incoming[:600],
        (day, parse_address(far_a.ip6), parse_address(far_b.ip6)): incoming[600:900],
        (day, parse_address(link.b.host.ip4), parse_address(far_a.ip4)): outgoing,
    }
    pairs = stored_pairs(data_dir)
    for key, frames in sent.items():
        assert pairs[key] == (sum(map(len, frames)), len(frames))
    protocols = {p["name"]: (p["bytes"], p["packets"]) for p in summary["protocols"]}
    assert protocols["0x88b7"] == (50 * 90, 50)
    assert summary["out"]["bytes"] >= sum(map(len, outgoing))
    assert summary["in"]["bytes"] >= sum(map(len, incoming))
    assert summary["capture"] == {"state": "stopped", "error": None}
    assert 0.0 < summary["coverage"] <= 1.0
    report = Path(summary["report"]).read_text()
    assert "10.78.5.1" in report and "fd78:5::1" in report
    assert ntc("db", "check", "--db-dir", str(data_dir)).returncode == 0
