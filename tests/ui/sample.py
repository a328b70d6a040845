"""Deterministic session data for screen tests: a real Aggregator fed synthetic packets."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path

from ntc_tui.aggregate import Aggregator, HostAddresses, Snapshot, SortMode, Tally
from ntc_tui.records import (
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    DayCalendar,
    PacketRecord,
    parse_address,
)
from ntc_tui.session import CaptureState
from ntc_tui.store import Batch, Store
from ntc_tui.ui.historymodel import HistoryQuery, HistoryResult, read_history
from ntc_tui.ui.viewmodel import HeaderModel

T0 = 1_750_000_000  # 2025-06-15 15:06:40 UTC
SECONDS = 75
ME = parse_address("10.200.0.1")
ME6 = parse_address("2001:db8:100::1")
PEERS = [parse_address(f"192.0.2.{i}") for i in range(1, 40)]
PEER6 = parse_address("2001:db8:abcd:1234:5678:9abc:def0:1234")


def sample_records(seed: int = 7) -> list[PacketRecord]:
    """About 75 seconds of traffic between this host and 40 peers, IPv4, IPv6 and LLDP."""
    rng = random.Random(seed)
    records = []
    for second in range(SECONDS):
        wave = 1 + (second % 9)
        for n in range(40):
            ts = T0 + second + n / 40
            peer = PEERS[int(rng.triangular(0, len(PEERS) - 1, 0))]
            size = rng.randint(60, 1514)
            if rng.random() < 0.6:
                proto = "TCP" if rng.random() < 0.8 else "UDP"
                records.append(PacketRecord(ts, size * wave, FAMILY_V4, peer, ME, proto, None))
            else:
                records.append(PacketRecord(ts, size, FAMILY_V4, ME, peer, "TCP", None))
        records.append(PacketRecord(T0 + second + 0.5, 118, FAMILY_V6, ME6, PEER6, "ICMPv6", None))
        if second % 30 == 0:
            records.append(
                PacketRecord(T0 + second + 0.7, 60, FAMILY_NONE, None, None, "0x88cc", None)
            )
    return records


def sample_aggregator() -> Aggregator:
    """The sample traffic folded second by second, as the dashboard's tick does."""
    aggregator = Aggregator(HostAddresses(frozenset({ME, ME6}), None), utc=True)
    records = sample_records()
    for second in range(SECONDS):
        aggregator.add(r for r in records if T0 + second <= r.ts < T0 + second + 1)
        aggregator.tick(T0 + second + 1)
    return aggregator


def download_snapshot() -> Snapshot:
    """A minute of a download: 20 full frames in a second, one small frame back (IN 500× OUT)."""
    aggregator = Aggregator(HostAddresses(frozenset({ME}), None), utc=True)
    for second in range(60):
        ts = T0 + second
        inbound = [
            PacketRecord(ts + n / 20, 1500, FAMILY_V4, PEERS[0], ME, "TCP", None) for n in range(20)
        ]
        size = 60 if second % 2 else 30  # the upload has a shape of its own
        outbound = [PacketRecord(ts + 0.5, size, FAMILY_V4, ME, PEERS[0], "TCP", None)]
        aggregator.add(inbound + outbound)
        aggregator.tick(ts + 1)
    return aggregator.snapshot(T0 + 60)


def sample_snapshot(offset: int = 0, limit: int = 60, sort: SortMode = SortMode.BYTES) -> Snapshot:
    """A snapshot of the sample session at its end."""
    aggregator = sample_aggregator()
    aggregator.set_sort(sort)
    return aggregator.snapshot(T0 + SECONDS, offset, limit)


def sample_header(**changes: object) -> HeaderModel:
    """A running session on enp3s0 with persistence on, 1 h 2 min 3 s in."""
    model = HeaderModel(
        interface="enp3s0",
        addresses=("10.200.0.1", "2001:db8:100::1", "fe80::2ff:fe00:1"),
        state=CaptureState.RUNNING,
        error=None,
        replaying=False,
        persisting=True,
        data_dir="/var/lib/ntc-tui",
        flush_error=None,
        elapsed=3723.0,
        coverage=0.9984,
        dropped=0,
    )
    return replace(model, **changes)  # type: ignore[arg-type]


@cache
def sample_history() -> HistoryResult:
    """The sample session stored on its day and, half as much, on the three days before; read
    back from a real store: the pivot of those days and the chart over its 75 seconds."""
    tally = Tally(DayCalendar(utc=True), HostAddresses(frozenset({ME, ME6}), None))
    tally.add(sample_records())
    pairs: dict[tuple[int, int | bytes, int | bytes], list[int]] = {}
    for index, ((day, src, dst), (nbytes, npackets)) in enumerate(tally.pairs.items()):
        pairs[day, src, dst] = [nbytes, npackets]
        for back in (1, 2, 3):
            if (index + back) % 3:
                pairs[day - back, src, dst] = [nbytes // 2, npackets // 2]
    cells = {key: [nbytes, npackets] for key, (nbytes, npackets) in tally.proto_cells.items()}
    day = DayCalendar(utc=True).code(T0)
    with (
        tempfile.TemporaryDirectory(prefix="ntc-sample") as name,
        Store.open(Path(name), writer=True) as store,
    ):
        store.apply(Batch(pairs=pairs, proto_cells=cells))
        return read_history(store, HistoryQuery(day - 3, day, T0, SECONDS), utc=True)
