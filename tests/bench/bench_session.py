"""Benchmarks of the live session: aggregator throughput, CPU per refresh, memory of a long run."""

from __future__ import annotations

import random
import time

from ntc_tui.aggregate import Aggregator, HostAddresses, SortMode
from ntc_tui.records import FAMILY_V4, FAMILY_V6, PacketRecord
from ntc_tui.ui.screens.live import LiveScreen
from ntc_tui.ui.units import Units
from tests.bench.common import Measurement, Row, format_table, rate

HOST = HostAddresses(frozenset({0x0A000001}), "02:00:00:00:00:01")
T0 = 1_790_000_000.0


def records(
    count: int, pairs: int, start: float, per_second: int, seed: int = 1
) -> list[PacketRecord]:
    """``count`` records over ``pairs`` IPv4/IPv6 pairs, ``per_second`` per packet second."""
    rng = random.Random(seed)
    protos = ("TCP", "TCP", "UDP", "ICMP", "ICMPv6")
    out = []
    for n in range(count):
        pair = rng.randrange(pairs)
        if pair % 5 == 4:
            src: int | bytes = pair.to_bytes(16, "big")
            dst: int | bytes = (pair + 1).to_bytes(16, "big")
            family = FAMILY_V6
        else:
            src, dst, family = 0x0B000000 + pair, 0x0A000001, FAMILY_V4
        out.append(
            PacketRecord(
                start + n / per_second,
                rng.randint(60, 1514),
                family,
                src,
                dst,
                protos[pair % 5],
                None,
            )
        )
    return out


def aggregator_throughput(quick: bool) -> Row:
    """Records per second through add + a tick per 10,000 records (the capture hand-over size)."""
    batch = records(50_000 if quick else 500_000, 2_000, T0, 50_000)
    measurement = Measurement("aggregator add+tick", "records/s")
    for _ in range(3):
        agg = Aggregator(HOST, utc=True)
        agg.set_persisting(True)
        start = time.perf_counter()
        for i in range(0, len(batch), 10_000):
            agg.add(batch[i : i + 10_000])
            agg.tick(batch[min(i + 9_999, len(batch) - 1)].ts)
        measurement.samples.append(rate(len(batch), time.perf_counter() - start))
    return Row("session", measurement, note="500k records, 2,000 pairs, persistence on")


def refresh_cost(quick: bool) -> list[Row]:
    """CPU per one-second refresh of the dashboard with 100,000 pairs in the session: the tick,
    the snapshot of a 120×40 screen's rows, the live screen's widgets updated and rendered."""
    pairs = 10_000 if quick else 100_000
    agg = Aggregator(HOST, utc=True)
    agg.add(records(pairs * 2, pairs, T0, pairs * 2))
    agg.tick(T0 + 2)
    screen = LiveScreen()
    rows = []
    for mode in (SortMode.BYTES, SortMode.RATE):
        agg.set_sort(mode)
        measurement = Measurement(
            f"dashboard refresh, 100k pairs, 5k packets/s, sort {mode}",
            "ms CPU",
            lower_is_better=True,
        )
        for second in range(3, 13):
            agg.add(records(5_000, pairs, T0 + second, 5_000, seed=second))
            start = time.process_time()
            agg.tick(T0 + second + 1)
            screen.show(agg.snapshot(T0 + second + 1, 0, 40), Units.BYTES)
            screen.render((120, 40))
            measurement.samples.append((time.process_time() - start) * 1000)
        rows.append(Row("session", measurement))
    return rows


def run(quick: bool = False) -> list[Row]:
    """Every session benchmark."""
    return [aggregator_throughput(quick), *refresh_cost(quick)]


if __name__ == "__main__":
    print(format_table(run()))
