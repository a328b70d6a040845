"""tcpdump's real text, for every flag set SPEC §6 lists, counts as tshark reads the pcap."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ntc_tui.aggregate.tally import Tally, add_counts
from ntc_tui.capture.tcpdump_chunks import ChunkReader, detect_flavour
from ntc_tui.capture.tcpdump_text import LENGTH_FRAME, LENGTH_IP, LENGTH_PRINTED
from ntc_tui.importer.pending import LENGTH_RULES
from ntc_tui.records import FAMILY_NONE, OTHER, DayCalendar, PacketRecord
from ntc_tui.store import Store
from tests.capture.kinds import capture_kinds, every_kind
from tests.capture.reference import reference_records
from tests.importer.conftest import (
    T0,
    Totals,
    import_paths,
    known_mix,
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
    "any-sll-tttt-n": (["-tttt", "-n"], LENGTH_PRINTED, pcapgen.LINKTYPE_LINUX_SLL, False),
    "any-sll2-tttt-e-v-n": (
        ["-tttt", "-e", "-v", "-n"],
        LENGTH_FRAME,
        pcapgen.LINKTYPE_LINUX_SLL2,
        False,
    ),
    "any-sll-time-of-day-v-n (--date)": (
        ["-v", "-n"],
        LENGTH_IP,
        pcapgen.LINKTYPE_LINUX_SLL,
        True,
    ),
    "any-sll2-time-of-day-e-n (--date)": (
        ["-e", "-n"],
        LENGTH_FRAME,
        pcapgen.LINKTYPE_LINUX_SLL2,
        True,
    ),
}
_COOKED = {
    pcapgen.LINKTYPE_LINUX_SLL: lambda index, frame: pcapgen.linux_cooked(frame, index % 3 == 0),
    pcapgen.LINKTYPE_LINUX_SLL2: lambda index, frame: pcapgen.linux_cooked_v2(
        frame, 1, index % 3 == 0
    ),
}
_LINK_HEADER_BYTES = {1: 14, pcapgen.LINKTYPE_LINUX_SLL: 16, pcapgen.LINKTYPE_LINUX_SLL2: 20}
# What tcpdump's text cannot show, and so cannot be counted as tshark counts it: a later IPv6
# fragment's transport (tcpdump prints only "frag (offset|length)") and an ARP reply's target
# address (tcpdump prints only "Reply A is-at MAC").
_NOT_IN_TEXT = {"ipv6-fragment-tail-tcp": "transport", "arp-reply": "target"}
_TEXT_FIELDS = (
    "frame.len",
    "frame.protocols",
    "ip.len",
    "ip.hdr_len",
    "ip.frag_offset",
    "ipv6.plen",
    "ipv6.nxt",
    "tcp.len",
    "udp.length",
)
# the layer after the outermost IP header -> the length tcpdump's printer of it prints
_PRINTED_AFTER_IP: dict[str, Callable[[dict[str, str], int], int | None]] = {
    "tcp": lambda fields, payload: int(fields["tcp.len"]),
    "udp": lambda fields, payload: int(fields["udp.length"]) - 8,
    "icmp": lambda fields, payload: payload,
    "icmpv6": lambda fields, payload: payload,
    "esp": lambda fields, payload: payload,
    "ospf": lambda fields, payload: payload,
    "gre": lambda fields, payload: payload,
    "data": lambda fields, payload: None if _no_transport_shown(fields) else payload,
}


@dataclass(frozen=True)
class TextLengths:
    """The lengths of one frame that tcpdump's text shows under each length rule, from tshark's
    fields; None where tcpdump's printer of the frame decides it (not derived here)."""

    frame: int
    ip: int | None  # SPEC §6's IP length: IPv4 total length, IPv6 payload length + 40
    printed: int | None  # what tcpdump prints as the length without -e and -v


@dataclass(frozen=True)
class Capture:
    """A generated pcap of one link type: its records as tcpdump's text shows them, and the
    lengths each rule gives its frames."""

    path: Path
    records: list[PacketRecord]
    lengths: list[TextLengths]

    def expected(self, rule: str) -> tuple[Totals, set[tuple[object, ...]]]:
        """The totals of the records counted with ``rule``'s lengths, and the keys whose bytes
        hold a frame whose length that rule leaves to tcpdump's printers."""
        records = []
        undetermined: set[tuple[object, ...]] = set()
        calendar = DayCalendar(True)
        for record, lengths in zip(self.records, self.lengths, strict=True):
            length = _rule_length(lengths, rule)
            if length is None:
                undetermined.add((int(record.ts), record.proto))
                if record.family:
                    undetermined.add((calendar.code(record.ts), record.src, record.dst))
            records.append(record._replace(length=length or 0))
        return tallied(records), undetermined


def _rule_length(lengths: TextLengths, rule: str) -> int | None:
    if rule == LENGTH_FRAME:
        return lengths.frame
    if rule == LENGTH_IP and lengths.ip is not None:
        return lengths.ip
    return lengths.printed  # without IP, -v shows the printed length too


def _no_transport_shown(fields: dict[str, str]) -> bool:
    """A later IPv4 fragment, or IPv6's "no next header": tcpdump prints no length."""
    return fields["ip.frag_offset"] not in ("", "0") or fields["ipv6.nxt"] == "59"


def _text_lengths(path: Path, linktype: int) -> list[TextLengths]:
    argv = ["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "occurrence=f"]
    argv += ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
    for name in _TEXT_FIELDS:
        argv += ["-e", name]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    result = []
    for line in output.splitlines():
        fields = dict(zip(_TEXT_FIELDS, line.split("\t"), strict=True))
        frame = int(fields["frame.len"])
        layers = fields["frame.protocols"].split(":")
        outer = next((i for i, layer in enumerate(layers) if layer in ("ip", "ipv6", "arp")), -1)
        if outer >= 0 and layers[outer] != "arp":
            if layers[outer] == "ip":
                ip = int(fields["ip.len"])
                payload = ip - int(fields["ip.hdr_len"])
            else:
                payload = int(fields["ipv6.plen"])
                ip = payload + 40
            after = layers[outer + 1] if outer + 1 < len(layers) else ""
            printer = _PRINTED_AFTER_IP.get(after)
            printed = printer(fields, payload) if printer else None
            result.append(TextLengths(frame, ip, printed))
        elif outer >= 0 or layers[-1] == "lldp":  # ARP, LLDP: "length" of what follows the link
            result.append(TextLengths(frame, None, frame - _LINK_HEADER_BYTES[linktype]))
        elif layers[-1] == "data":  # an unknown ethertype: tcpdump shows the link header
            result.append(TextLengths(frame, None, frame))
        else:
            result.append(TextLengths(frame, None, None))
    return result


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Capture]:
    """Per link type: the pcap, the records tshark reads (as the text can show them), and the
    lengths of its frames under each length rule."""
    folder = tmp_path_factory.mktemp("formats")
    result = {}
    for linktype in (1, pcapgen.LINKTYPE_LINUX_SLL, pcapgen.LINKTYPE_LINUX_SLL2):
        packets = known_mix(800)
        names = [name for name, _ in capture_kinds()] * 2 + [""] * (
            len(packets) - 2 * len(capture_kinds())
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
        result[linktype] = Capture(path, records, _text_lengths(path, linktype))
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


def _bytes_masked(totals: Totals, undetermined: set[tuple[object, ...]]) -> Totals:
    """The totals with the bytes of the ``undetermined`` keys left out (packets kept)."""
    cells, pairs = totals
    return (
        {key: (0, p) if key in undetermined else (b, p) for key, (b, p) in cells.items()},
        {key: (0, p) if key in undetermined else (b, p) for key, (b, p) in pairs.items()},
    )


@pytest.mark.parametrize("name", list(FLAG_SETS))
def test_tcpdump_text_counts_as_tshark_reads_the_pcap(
    name: str, captures: dict[int, Capture], store: Store, tmp_path: Path
) -> None:
    flags, rule, linktype, needs_date = FLAG_SETS[name]
    capture = captures[linktype]
    text = render(capture.path, flags, tmp_path / "capture.txt")
    date = datetime.date.fromtimestamp(T0) if needs_date else None
    summary = import_paths(store, text, date=date)
    (file_summary,) = summary.files
    assert file_summary.status == "imported"
    assert file_summary.rejected == {}
    assert summary.exit_code() == 0
    assert LENGTH_RULES[rule] in file_summary.length_rule
    expected, undetermined = capture.expected(rule)
    if rule == LENGTH_FRAME:
        assert not undetermined
    elif rule == LENGTH_IP:  # only STP's (no IP, no ethertype) is left to its printer
        assert {key[1] for key in undetermined if len(key) == 2} <= {OTHER}
        assert all(len(key) == 2 for key in undetermined)
    cells = expected[0]
    compared = sum(packets for key, (_, packets) in cells.items() if key not in undetermined)
    assert compared > 0.9 * sum(packets for _, packets in cells.values())
    assert _bytes_masked(stored(store), undetermined) == _bytes_masked(expected, undetermined)


def test_the_pcap_itself_counts_as_tshark_reads_it(
    captures: dict[int, Capture], store: Store
) -> None:
    pcap = captures[1].path
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
    captures: dict[int, Capture], store: Store, tmp_path: Path
) -> None:
    pcap = captures[1].path
    import_paths(store, render(pcap, ["-tt", "-e", "-n"], tmp_path / "t.txt"))
    families = {type(src) for _, src, _ in stored(store)[1]}
    assert families == {int, bytes}  # IPv4 rows (int addresses) and IPv6 rows (16 bytes)


@pytest.mark.parametrize("name", [name for name in FLAG_SETS if not FLAG_SETS[name][3]])
def test_the_fast_path_counts_as_the_grammar_does(
    name: str, captures: dict[int, Capture], tmp_path: Path
) -> None:
    flags, _, linktype, _ = FLAG_SETS[name]
    pcap = captures[linktype].path
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
