"""A writer process for the concurrency test: each batch adds (100 bytes, 1 packet) to all pairs."""

from __future__ import annotations

import sys
from pathlib import Path

from ntc_tui.records import Address, encode_date
from ntc_tui.store import Batch, Store

DAYS = [encode_date(2026, 3, day) for day in (1, 2, 3)]
IPV4_PAIRS = 400  # per day: with 340 records a page, every batch spans several pages
IPV6_PAIRS = 100
BYTES_PER_BATCH = 100


def keys() -> list[tuple[int, Address, Address]]:
    """Every (day, src, dst) a batch touches."""
    ipv4 = [(0x0A000000 + n, 0x0A010000 + n * 7) for n in range(IPV4_PAIRS)]
    ipv6 = [
        (b"\xfd" + bytes(14) + bytes([n]), b"\xfd" + bytes(13) + bytes([1, n]))
        for n in range(IPV6_PAIRS)
    ]
    return [(day, src, dst) for day in DAYS for src, dst in [*ipv4, *ipv6]]


def main(path: Path, count: int) -> None:
    pairs = keys()
    with Store.open(path, writer=True) as store:
        for number in range(count):
            store.apply(Batch(pairs={key: [BYTES_PER_BATCH, 1] for key in pairs}))
            print(f"ack {number + 1}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
