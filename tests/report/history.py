"""A small stored history with a known answer: IPv4 and IPv6 pairs over 9 days, a saturated cell."""

from __future__ import annotations

import datetime
from pathlib import Path

from ntc_tui.records import Address, encode_date, parse_address
from ntc_tui.store import Batch, Store

A4, B4, C4, D4 = (parse_address(f"10.1.0.{n}") for n in (1, 2, 3, 4))
E4, F4 = parse_address("192.168.100.200"), parse_address("172.16.254.254")
A6 = parse_address("2001:db8:85a3::8a2e:370:7334")
B6 = parse_address("fd12:3456:789a:1::1")
FIRST = datetime.date(2026, 2, 25)  # nine days across the end of February
DAYS = [
    encode_date(d.year, d.month, d.day) for d in (FIRST + datetime.timedelta(n) for n in range(9))
]
BIG_VOLUME = 123_456_789_012_345  # wider than the original's volume column
SATURATED_PACKETS = 2**32 - 1
Cells = dict[tuple[int, Address, Address], tuple[int, int]]


def expected_cells() -> Cells:
    """What the history holds, cell by cell."""
    cells: Cells = {}
    for number, day in enumerate(DAYS, start=1):
        cells[day, A4, B4] = (1000 * number, number)
        if number % 2:
            cells[day, B4, A4] = (300 * number, 3 * number)
        if number in (1, 2, 8):
            cells[day, A6, B6] = (700 + number, 7)
    cells[DAYS[8], C4, D4] = (64, 1)
    cells[DAYS[2], E4, F4] = (BIG_VOLUME, SATURATED_PACKETS)
    return cells


PROTOCOL_START = 1_772_020_800  # 2026-02-25 12:00:00 UTC


def expected_protocol_cells() -> dict[tuple[int, str], tuple[int, int]]:
    """Per-second protocol cells: TCP in three seconds, then every 7 minutes; UDP; ARP a day on."""
    cells: dict[tuple[int, str], tuple[int, int]] = {}
    for offset in (0, 1, 2, *range(420, 7200, 420)):
        cells[PROTOCOL_START + offset, "TCP"] = (1500, 1)
    for offset in range(0, 7200, 1800):
        cells[PROTOCOL_START + offset, "UDP"] = (80, 2)
    cells[PROTOCOL_START + 86400 + 5, "ARP"] = (42, 1)  # the next UTC day
    return cells


def make_history(path: Path) -> Path:
    """Store the history in a new data directory at ``path`` (two batches, as two sessions)."""
    cells = expected_cells()
    saturated = {key: value for key, value in cells.items() if value[1] == SATURATED_PACKETS}
    with Store.open(path, writer=True) as store:
        store.apply(
            Batch(
                pairs={key: list(value) for key, value in cells.items() if key not in saturated},
                proto_cells={key: list(value) for key, value in expected_protocol_cells().items()},
            )
        )
        for key, (volume, packets) in saturated.items():  # two halves that overflow packs
            store.apply(Batch(pairs={key: [volume - 5, packets - 10]}))
            store.apply(Batch(pairs={key: [5, 20]}))
    return path
