"""tcpdump's real text, for every flag set SPEC §6 lists, counts as tshark reads the pcap."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from ntc_tui.aggregate.tally import Tally, add_counts
from ntc_tui.capture.tcpdump_chunks import ChunkReader, detect_flavour
from ntc_tui.capture.tcpdump_text import LENGTH_FRAME, LENGTH_IP, LENGTH_PRINTED
from ntc_tui.importer.pending import LENGTH_RULES
from ntc_tui.records import FAMILY_NONE, OTHER, DayCalendar, PacketRecord
from ntc_tui.store import Store
from tests.capture.kinds import every_kind
from tests.capture.reference import reference_records
from tests.importer.conftest import (
    T0,
    Totals,
    import_paths,
    known_mix,
    packets_only,
    render,
    stored,
    tallied,
)
from tests.support import pcapgen

# name -> (tcpdump flags, length rule, link type of the pcap, whether --date is needed)
FLAG_SETS: dict[str, tuple[list[str], str, int, bool]] = {
    "tt-e-v-n (the original's files)": (["-tt", "-e", "-v", "-n"], LENGTH_FRAME, 1, False),
    "tt-n": (["-tt", "-n"], LENGTH_PRINTED, 1, False),
    "tt-nn-e": (["-tt", "-nn", "-e"], LENGTH_FRAME, 1, False),
    "tt-v-n": (["-tt", "-v", "-n"], LENGTH_IP, 1, False),
    "tttt-n": (["-tttt", "-n"], LENGTH_PRINTED, 1, False),
    "tttt-e-v-nn": (["-tttt", "-e", "-v", "-nn"], LENGTH_FRAME, 1, False),
    "nano-tt-e-n": (["--nano", "-tt", "-e", "-n"], LENGTH_FRAME, 1, False),
    "nano-tttt-v-n": (["--nano", "-tttt", "-v", "-n"], LENGTH_IP, 1, False),
    "numbered-tt-e-n": (["-#", "-tt", "-e", "-n"], LENGTH_FRAME, 1, False),
    "numbered-tt-v-n": (["-#", "-tt", "-v", "-n"], LENGTH_IP, 1, False),
    "numbered-tt-e-v-n": (["-#", "-tt", "-e", "-v", "-n"], LENGTH_FRAME, 1, False),
    "time-of-day-n (--date)": (["-n"], LENGTH_PRINTED, 1, True),
    "time-of-day-e-v-n (--date)": (["-e", "-v", "-n"], LENGTH_FRAME, 1, True),
    "any-sll-tt-n": (["-tt", "-n"], LENGTH_PRINTED, pcapgen.LINKTYPE_LINUX_SLL, False),
    "any-sll-tt-e-v-n": (
        ["-tt", "-e", "-v", "-n"],
        LENGTH_FRAME,
        pcapgen.LINKTYPE_LINUX_SLL,
        False,
    ),
    "any-sll2-tt-n": (["-tt", "-n"], LENGTH_PRINTED, pcapgen.LINKTYPE_LINUX_SLL2, False),
    "any-sll2-tt-e-n": (["-tt", "-e", "-n"], LENGTH_FRAME, pcapgen.LINKTYPE_LINUX_SLL2, False),
    "any-sll2-tt-v-n": (["-tt", "-v", "-n"], LENGTH_IP, pcapgen.LINKTYPE_LINUX_SLL2, False),
}
_COOKED = {
    pcapgen.LINKTYPE_LINUX_SLL: lambda index, frame: pcapgen.linux_cooked(frame, index % 3 == 0),
    pcapgen.LINKTYPE_LINUX_SLL2: lambda index, frame: pcapgen.linux_cooked_v2(
        frame, 1, index % 3 == 0
    ),
}
# What tcpdump's text cannot show, and so cannot be counted as tshark counts it: a later IPv6
# fragment's transport (tcpdump prints only "frag (offset|length)") and an ARP reply's target
# address (tcpdump prints only "Reply A is-at MAC").
_NOT_IN_TEXT = {"ipv6-fragment-tail-tcp": "transport", "arp-reply": "target"}


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Totals, Totals]]:
    """Per link type: the pcap, tshark's totals with frame lengths, and with IP lengths."""
    folder = tmp_path_factory.mktemp("formats")
    result = {}
    for linktype in (1, pcapgen.LINKTYPE_LINUX_SLL, pcapgen.LINKTYPE_LINUX_SLL2):
        packets = known_mix(800)
        names = [name for name, _ in every_kind()] * 2 + [""] * (
            len(packets) - 2 * len(every_kind())
        )
        if linktype in _COOKED:
            # Linux moves VLAN tags out of the cooked header and gives LLC frames protocol 4,
            # which pcapgen's cooked headers do not do: those frames stay Ethernet-only
            kept = [i for i, name in enumerate(names) if not name.startswith(("vlan", "stp"))]
            names = [names[i] for i in kept]
            packets = [(packets[i][0], _COOKED[linktype](i, packets[i][1])) for i in kept]
        path = folder / f"mix-{linktype}.pcap"
        pcapgen.write_pcap(path, packets, linktype=linktype)
        records = _as_text_shows(reference_records(path), names)
        ip_lengths = _ip_lengths(path)
        with_ip = [
            record._replace(length=ip) if ip is not None else record
            for record, ip in zip(records, ip_lengths, strict=True)
        ]
        result[linktype] = (path, tallied(records), tallied(with_ip))
    return result


def _as_text_shows(records: list[PacketRecord], names: list[str]) -> list[PacketRecord]:
    adjusted = []
    for record, name in zip(records, names, strict=True):
        if _NOT_IN_TEXT.get(name) == "transport":
            adjusted.append(record._replace(proto=OTHER))
        elif _NOT_IN_TEXT.get(name) == "target":
            adjusted.append(record._replace(family=FAMILY_NONE, src=None, dst=None))
        else:
            adjusted.append(record)
    return adjusted


def _ip_lengths(path: Path) -> list[int | None]:
    """The outermost IP header's length of each frame (IPv6: payload + 40), None without IP."""
    argv = ["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "occurrence=f"]
    argv += ["-e", "frame.protocols", "-e", "ip.len", "-e", "ipv6.plen"]
    lengths: list[int | None] = []
    for line in subprocess.run(
        argv, capture_output=True, text=True, check=True
    ).stdout.splitlines():
        protocols, ipv4, ipv6 = line.split("\t")
        layers = protocols.split(":")
        outer = next((layer for layer in layers if layer in ("ip", "ipv6", "arp")), None)
        if outer == "ip":
            lengths.append(int(ipv4))
        elif outer == "ipv6":
            lengths.append(int(ipv6) + 40)
        else:
            lengths.append(None)
    return lengths


def _ip_cells_only(totals: Totals) -> Totals:
    """Cells of IP transports keep their bytes; the others (whose printed length tshark does
    not give) are compared by packets."""
    cells, pairs = totals
    ip_names = {"TCP", "UDP", "ICMP", "ICMPv6", "IGMP", "SCTP", "GRE", "ESP", "AH", "OSPF"}
    kept = {
        key: value if key[1] in ip_names or key[1].startswith("IP-") else (0, value[1])
        for key, value in cells.items()
    }
    return kept, {key: (0, packets) for key, (_, packets) in pairs.items()}


@pytest.mark.parametrize("name", list(FLAG_SETS))
def test_tcpdump_text_counts_as_tshark_reads_the_pcap(
    name: str,
    captures: dict[int, tuple[Path, Totals, Totals]],
    store: Store,
    tmp_path: Path,
) -> None:
    flags, rule, linktype, needs_date = FLAG_SETS[name]
    pcap, frame_totals, ip_totals = captures[linktype]
    text = render(pcap, flags, tmp_path / "capture.txt")
    date = datetime.date.fromtimestamp(T0) if needs_date else None
    summary = import_paths(store, text, date=date)
    (file_summary,) = summary.files
    assert file_summary.status == "imported"
    assert file_summary.rejected == {}
    assert summary.exit_code() == 0
    assert LENGTH_RULES[rule] in file_summary.length_rule
    got = stored(store)
    if rule == LENGTH_FRAME:
        assert got == frame_totals
    elif rule == LENGTH_IP:
        assert _ip_cells_only(got) == _ip_cells_only(ip_totals)
    else:
        assert packets_only(got) == packets_only(frame_totals)


def test_the_pcap_itself_counts_as_tshark_reads_it(
    captures: dict[int, tuple[Path, Totals, Totals]], store: Store
) -> None:
    pcap, _, _ = captures[1]
    summary = import_paths(store, pcap)
    assert summary.files[0].kind == "pcap"
    assert stored(store) == tallied(reference_records(pcap))


def test_midnight_rolls_over_in_the_time_of_day_format(store: Store, tmp_path: Path) -> None:
    midnight = datetime.datetime.combine(datetime.date(2025, 10, 9), datetime.time()).timestamp()
    frames = [frame for _, frame in every_kind()][:6]
    packets = [(midnight - 1.5 + i * 0.5, frame) for i, frame in enumerate(frames)]
    pcap = tmp_path / "midnight.pcap"
    pcapgen.write_pcap(pcap, packets)
    text = render(pcap, ["-n", "-e"], tmp_path / "midnight.txt")
    assert text.read_text().startswith("23:59:58.5")
    import_paths(store, text, date=datetime.date(2025, 10, 8), utc=False)
    assert stored(store) == tallied(reference_records(pcap), utc=False)


def test_every_family_is_filed_under_its_own_store(
    captures: dict[int, tuple[Path, Totals, Totals]], store: Store, tmp_path: Path
) -> None:
    pcap, _, _ = captures[1]
    import_paths(store, render(pcap, ["-tt", "-e", "-n"], tmp_path / "t.txt"))
    families = {type(src) for _, src, _ in stored(store)[1]}
    assert families == {int, bytes}  # IPv4 rows (int addresses) and IPv6 rows (16 bytes)


@pytest.mark.parametrize("name", [name for name in FLAG_SETS if not FLAG_SETS[name][3]])
def test_the_fast_path_counts_as_the_grammar_does(
    name: str, captures: dict[int, tuple[Path, Totals, Totals]], tmp_path: Path
) -> None:
    flags, _, linktype, _ = FLAG_SETS[name]
    pcap, _, _ = captures[linktype]
    text = render(pcap, flags, tmp_path / "capture.txt").read_bytes()
    flavour = detect_flavour(text, None).flavour
    results = []
    for fast in (True, False):
        counts = ChunkReader(flavour, DayCalendar(True), fast=fast).read(text, 1, at_end=True)
        tally = Tally(DayCalendar(True))
        tally.add(counts.records)
        add_counts(tally.pairs, counts.pairs)
        add_counts(tally.proto_cells, counts.proto_cells)
        results.append((tally.pairs, tally.proto_cells, counts.rejects, counts.length_kinds))
    assert results[0] == results[1]
