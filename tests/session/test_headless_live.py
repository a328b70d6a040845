"""`ntc-tui --headless` on a veth pair against tshark's reading of a capture taken alongside."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from ntc_tui.records import (
    FAMILY_NONE,
    Address,
    DayCalendar,
    PacketRecord,
    parse_address,
)
from ntc_tui.store import Store
from tests.capture.conftest import REPO, leftover_processes
from tests.capture.kinds import capture_kinds
from tests.capture.reference import reference_records
from tests.support import pcapgen
from tests.support.netns import End, VethPair

pytestmark = pytest.mark.live

WAIT = 60.0
DURATION = 20  # seconds of capture: start (~3 s), markers, traffic, markers, then idle
READY, DONE = "0x5a5a", "0x5a5b"  # unassigned ethertypes: the marker frames, and only them
MARKERS = (READY, DONE)
UNSPECIFIED = (0, bytes(16))

Totals = tuple[int, int]  # (bytes, packets)


def stored(data_dir: Path) -> tuple[dict[tuple[int, object, object], Totals], Counter[str]]:
    """The pairs and the protocols' packets of a data directory."""
    with Store.open(data_dir, writer=False) as store:
        pairs = {(r.day, r.src, r.dst): (r.bytes, r.packets) for r in store.connections()}
        protocols: Counter[str] = Counter()
        for cell in store.protocol_cells():
            protocols[cell.proto] += cell.packets
    return pairs, protocols


def send_until_stored(
    link: VethPair, ethertype: str, data_dir: Path, process: subprocess.Popen[bytes]
) -> None:
    """Send a marker from A every 0.2 s until ntc-tui has stored one (it flushes every second)."""
    frame = pcapgen.frame_raw(link.a.host, link.b.host, int(ethertype, 16), 64)
    deadline = time.monotonic() + WAIT
    while not (data_dir.exists() and stored(data_dir)[1][ethertype]):
        assert time.monotonic() < deadline, f"ntc-tui never stored a {ethertype} frame"
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        link.send(link.a, [frame])
        time.sleep(0.2)


def without_a_host_address(link: VethPair) -> list[bytes]:
    """What B sends before it has an address: a DHCP discover and a DAD-like solicitation."""
    unnamed = pcapgen.Host(link.b.host.mac, "0.0.0.0", "::")
    everyone = pcapgen.Host(pcapgen.BROADCAST, "255.255.255.255", "ff02::1")
    return [
        pcapgen.frame_udp4(unnamed, everyone, 342, sport=68, dport=67),
        pcapgen.frame_icmp6(unnamed, everyone, 86),
    ]


def interface_addresses(link: VethPair, end: End) -> set[Address]:
    """Every IPv4 and IPv6 address of ``end``'s interface, as `ip` lists them."""
    text = link.run(end, ["ip", "-j", "addr", "show", "dev", end.interface]).stdout
    return {parse_address(a["local"]) for link_ in json.loads(text) for a in link_["addr_info"]}


def outgoing(record: PacketRecord, addresses: set[Address], mac: str) -> bool:
    """SPEC §3's direction, written out: the source IP decides; without IP, the source MAC."""
    if record.family == FAMILY_NONE:
        return record.src_mac == mac
    return record.src in addresses or (record.src in UNSPECIFIED and record.src_mac == mac)


def totals(records: Iterable[PacketRecord]) -> Totals:
    listed = list(records)
    return sum(r.length for r in listed), len(listed)


def protocol_totals(records: Iterable[PacketRecord]) -> dict[str, Totals]:
    by_name: dict[str, list[PacketRecord]] = {}
    for record in records:
        by_name.setdefault(record.proto, []).append(record)
    return {name: totals(group) for name, group in by_name.items()}


def pair_totals(records: Iterable[PacketRecord]) -> dict[tuple[int, object, object], Totals]:
    calendar = DayCalendar(utc=True)
    by_pair: dict[tuple[int, object, object], list[PacketRecord]] = {}
    for record in records:
        if record.family != FAMILY_NONE:
            key = (calendar.code(record.ts), record.src, record.dst)
            by_pair.setdefault(key, []).append(record)
    return {key: totals(group) for key, group in by_pair.items()}


def reference_dumpcap(link: VethPair, path: Path) -> subprocess.Popen[bytes]:
    """dumpcap on B's interface writing ``path``, returned once it captures (the file exists)."""
    process = link.popen(
        link.b, ["dumpcap", "-q", "-i", link.b.interface, "-w", str(path)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + WAIT
    while not (path.exists() and path.stat().st_size > 0):
        assert time.monotonic() < deadline and process.poll() is None, "dumpcap did not start"
        time.sleep(0.05)
    return process


def run_headless_capture(link: VethPair, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """ntc-tui --headless on B while the reference dumpcap runs from before to after it; the
    every-kind mix both ways, frames from unspecified addresses, and the kernels' own traffic
    are sent between a READY and a DONE marker. Returns the summary and the reference file."""
    data_dir, reference_file = tmp_path / "data", tmp_path / "reference.pcapng"
    link.wait_until_quiet()  # a fresh link's multicast reports are over: nothing else is sent
    reference = reference_dumpcap(link, reference_file)
    try:
        argv = [
            sys.executable, "-m", "ntc_tui", link.b.interface, "--headless", "--json",
            "--duration", str(DURATION), "--utc", "--db", "--db-dir", str(data_dir),
            "--flush-seconds", "1", "--report-dir", str(tmp_path),
        ]  # fmt: skip
        process = link.popen(link.b, argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            send_until_stored(link, READY, data_dir, process)
            link.send(link.a, [frame for _, frame in capture_kinds(link.a.host, link.b.host)])
            link.send(link.b, [frame for _, frame in capture_kinds(link.b.host, link.a.host)])
            link.send(link.b, without_a_host_address(link))
            link.kernel_traffic(link.a, link.b)
            link.kernel_traffic(link.b, link.a)
            send_until_stored(link, DONE, data_dir, process)
            out, err = process.communicate(timeout=DURATION + WAIT)  # it ends after DURATION
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        reference.send_signal(signal.SIGINT)
        reference.wait(WAIT)
    assert process.returncode == 0, err.decode()
    return json.loads(out), reference_file


def test_every_total_pair_direction_and_protocol_is_what_tshark_reads(tmp_path: Path) -> None:
    with VethPair(subnet=78) as link:
        summary, reference_file = run_headless_capture(link, tmp_path)
        addresses = interface_addresses(link, link.b)
        assert leftover_processes(link.b.interface) == []
    records = reference_records(reference_file)
    assert [r.proto for r in records].count(READY) >= 1  # the reference began before ntc-tui
    ours = {p["name"]: (p["bytes"], p["packets"]) for p in summary["protocols"]}
    theirs = protocol_totals(records)
    for marker in MARKERS:  # markers were sent until ntc-tui had one: it saw the later ones
        assert 0 < ours[marker][1] <= theirs[marker][1]
    counted = [r for r in records if r.proto not in MARKERS]

    # protocols: every name, bytes and packets; the mix has them all
    assert {name: ours[name] for name in ours if name not in MARKERS} == protocol_totals(counted)
    assert {"TCP", "UDP", "ICMP", "ICMPv6", "ARP", "IP-0", "IP-135", "0x88cc"} <= set(ours)

    # directions: IN and OUT bytes and packets, the markers (all IN, from A) as ntc-tui saw them
    mac = link.b.host.mac
    out = totals(r for r in counted if outgoing(r, addresses, mac))
    inbound = totals(r for r in counted if not outgoing(r, addresses, mac))
    markers_seen = (sum(ours[m][0] for m in MARKERS), sum(ours[m][1] for m in MARKERS))
    assert (summary["out"]["bytes"], summary["out"]["packets"]) == out
    assert (summary["in"]["bytes"], summary["in"]["packets"]) == (
        inbound[0] + markers_seen[0],
        inbound[1] + markers_seen[1],
    )
    assert out[1] > 0 and inbound[1] > 0

    # pairs: every (day, source, destination) stored, and their number in the summary
    pairs, protocols = stored(tmp_path / "data")
    assert pairs == pair_totals(counted)
    assert summary["pairs"] == len(pairs)
    assert {name: count for name, count in protocols.items() if name not in MARKERS} == {
        name: packets for name, (_, packets) in protocol_totals(counted).items()
    }

    assert summary["capture"] == {"state": "stopped", "error": None}
    assert summary["direction"] == "interface"
    assert 0.0 < summary["coverage"] <= 1.0
    report = Path(summary["report"]).read_text()
    assert link.b.host.ip4 in report and link.b.host.ip6 in report
    assert (
        subprocess.run(
            [sys.executable, "-m", "ntc_tui", "db", "check", "--db-dir", str(tmp_path / "data")],
            cwd=REPO,
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
