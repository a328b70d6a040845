"""The original collector's sample file (`tcpdump -tt -e -v -n`): every packet, exact seconds."""

from __future__ import annotations

from collections import defaultdict

from ntc_tui.records import parse_address
from ntc_tui.store import Store
from tests.importer.conftest import TEST4, import_paths, stored


def _expected_seconds() -> dict[int, list[int]]:
    """Per floor second: [frame bytes, packets], read the plain way: the first word is the
    epoch time, the word after the first "length" is the frame length of -e."""
    seconds: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for line in TEST4.read_text().splitlines():
        if line[:1].isdigit():
            words = line.split()
            length = int(words[words.index("length") + 1].rstrip(":"))
            cell = seconds[int(words[0].split(".")[0])]
            cell[0] += length
            cell[1] += 1
    return dict(seconds)


def test_every_packet_line_counts_with_its_frame_length_in_its_floor_second(store: Store) -> None:
    summary = import_paths(store, TEST4)
    (file_summary,) = summary.files
    expected = _expected_seconds()
    assert file_summary.packets == 296 == sum(packets for _, packets in expected.values())
    assert file_summary.rejected == {}
    assert file_summary.length_rule == "frame length (-e)"
    cells, pairs = stored(store)
    assert {second: [b, p] for (second, proto), (b, p) in cells.items()} == expected
    assert {proto for _, proto in cells} == {"TCP"}  # not "IPv6", the ethertype
    server, client = (
        parse_address("2001:41b0:fe:8::10"),
        parse_address("2001:4878:a225:3000:a00:27ff:feb1:f9b7"),
    )
    assert {(src, dst) for _, src, dst in pairs} == {(server, client), (client, server)}
    assert sum(b for b, _ in pairs.values()) == sum(b for b, _ in expected.values())
