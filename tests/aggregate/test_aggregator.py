"""Aggregator: rates, busiest pair, ranked pairs, flush hand-over and bounded memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ntc_tui.aggregate import HISTORY_SECONDS, Aggregator, HostAddresses, SortMode
from ntc_tui.aggregate.toplist import PairTable
from ntc_tui.records import FAMILY_V4, PacketRecord, encode_date, parse_address

ME, A, B = (parse_address(f"10.2.0.{i}") for i in (1, 2, 3))
HOST = HostAddresses(frozenset({ME}), "02:00:00:00:00:01")
T0 = 1_790_000_000


def packet(ts: float, length: int, src: int, dst: int) -> PacketRecord:
    return PacketRecord(ts, length, FAMILY_V4, src, dst, "TCP", None)


def test_rates_averages_and_peak_follow_packet_seconds() -> None:
    agg = Aggregator(HOST, utc=True)
    # IN: 1000 B/s for 40 s, then one second of 9000 B
    agg.add(packet(T0 + s + 0.5, 1000, A, ME) for s in range(40))
    agg.add([packet(T0 + 40.5, 9000, A, ME), packet(T0 + 40.7, 500, ME, A)])
    agg.tick(T0 + 41.0)
    snap = agg.snapshot(T0 + 41.0)
    rates = snap.inbound.rates
    assert rates.current == 9000
    assert rates.averages == ((1000 + 9000) / 2, (9 * 1000 + 9000) / 10, (39 * 1000 + 9000) / 40)
    assert rates.peak == 9000
    assert snap.outbound.rates.current == 500
    assert len(rates.graph) == HISTORY_SECONDS and rates.graph[-2:] == (1000, 9000)
    assert (snap.inbound.bytes, snap.inbound.packets) == (49000, 41)
    assert (snap.outbound.bytes, snap.outbound.packets) == (500, 1)


def test_peak_survives_the_release_of_old_seconds() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.add([packet(T0 + 0.5, 7000, A, ME)])
    agg.tick(T0 + 1)
    for s in range(1, 200):
        agg.add([packet(T0 + s + 0.5, 100, A, ME)])
        agg.tick(T0 + s + 1)
    assert len(agg.history._bins) <= HISTORY_SECONDS + 1  # memory stays bounded
    assert agg.snapshot(T0 + 200).inbound.rates.peak == 7000
    # a packet arriving after its second was released still counts toward the peak (alone:
    # the released second's other bytes are no longer kept)
    agg.add([packet(T0 + 2.5, 8000, A, ME)])
    agg.tick(T0 + 201)
    snap = agg.snapshot(T0 + 201)
    assert snap.inbound.rates.peak == 8000
    assert (snap.first_ts, snap.last_ts) == (T0 + 0.5, T0 + 199.5)


def test_busiest_pair_and_its_reverse() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.add([packet(T0, 500, A, ME), packet(T0, 100, ME, A), packet(T0, 300, B, ME)])
    agg.tick(T0 + 1)
    snap = agg.snapshot(T0 + 1)
    assert snap.busiest is not None and (snap.busiest.src, snap.busiest.bytes) == (A, 500)
    assert snap.busiest_reverse is not None
    assert (snap.busiest_reverse.src, snap.busiest_reverse.dst, snap.busiest_reverse.bytes) == (
        ME,
        A,
        100,
    )
    agg.add([packet(T0 + 1, 400, B, ME)])
    agg.tick(T0 + 2)
    snap = agg.snapshot(T0 + 2)
    assert snap.busiest is not None and snap.busiest.src == B
    assert snap.busiest_reverse is None  # ME -> B never seen


def test_sort_modes_rank_and_scroll() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.add([packet(T0, 1000, A, ME)] + [packet(T0, 10, B, ME)] * 5 + [packet(T0, 300, ME, B)])
    agg.tick(T0 + 1)
    agg.add([packet(T0 + 1, 50, ME, B)])
    agg.tick(T0 + 2)
    by_bytes = [(r.src, r.dst) for r in agg.snapshot(T0 + 2).top]
    assert by_bytes == [(A, ME), (ME, B), (B, ME)]
    agg.set_sort(SortMode.PACKETS)
    assert [(r.src, r.dst) for r in agg.snapshot(T0 + 2).top] == [(B, ME), (ME, B), (A, ME)]
    agg.set_sort(SortMode.RATE)
    snap = agg.snapshot(T0 + 2, offset=0, limit=1)
    assert [(r.src, r.dst, r.rate) for r in snap.top] == [(ME, B, 50.0)]
    assert snap.pair_count == 3
    assert [r.src for r in agg.snapshot(T0 + 2, offset=1, limit=5).top] == [A, B]


def test_flush_hands_over_each_count_once() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.add([packet(T0, 100, A, ME)])
    agg.tick(T0 + 1)
    assert not agg.take_flush()  # persistence off: nothing collected
    agg.set_persisting(True)
    agg.add([packet(T0 + 1, 200, A, ME)])
    agg.tick(T0 + 2)
    day = encode_date(2026, 9, 21)
    failed = agg.take_flush()
    assert failed.pairs == {(day, A, ME): [200, 1]}
    assert failed.proto_cells == {(T0 + 1, "TCP"): [200, 1]}
    agg.add([packet(T0 + 2, 50, A, ME)])
    agg.tick(T0 + 3)
    agg.restore_flush(failed)  # storage refused it: the next flush carries it
    batch = agg.take_flush()
    assert batch.pairs == {(day, A, ME): [250, 2]}
    assert batch.proto_cells == {(T0 + 1, "TCP"): [200, 1], (T0 + 2, "TCP"): [50, 1]}
    assert not agg.take_flush()
    assert agg.day_pairs == {(day, A, ME): [350, 3]}  # the session keeps its own for the report


def test_coverage_compares_captured_bytes_with_interface_counters() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.observe_interface(rx_bytes=10_000, tx_bytes=5_000, dropped=3)
    assert agg.snapshot(T0).coverage is None
    agg.add([packet(T0, 900, A, ME)])
    agg.tick(T0 + 1)
    agg.observe_interface(rx_bytes=10_800, tx_bytes=5_200, dropped=5)
    snap = agg.snapshot(T0 + 1)
    assert snap.coverage == 0.9 and snap.interface_dropped == snap.dropped == 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(1, 5000)),
                max_size=30,
            ),
            st.sampled_from(list(SortMode)),
        ),
        max_size=12,
    ),
    st.sampled_from(list(SortMode)),
)
def test_pair_table_ranking_matches_a_plain_model(ticks, mode) -> None:  # type: ignore[no-untyped-def]
    table = PairTable(mode)
    model: dict[tuple[int, int], list[float]] = {}
    order: list[tuple[int, int]] = []
    for deltas, next_mode in ticks:
        rates: dict[tuple[int, int], float] = {}
        for src, dst, nbytes in deltas:
            if (src, dst) not in model:
                model[src, dst] = [0, 0, 0.0]
                order.append((src, dst))
            model[src, dst][0] += nbytes
            model[src, dst][1] += 1
            rates[src, dst] = rates.get((src, dst), 0.0) + nbytes
        for key, counts in model.items():
            counts[2] = rates.get(key, 0.0)
        table.add((s, d, n, 1) for s, d, n in deltas)
        table.set_rates(rates)
        column = {SortMode.BYTES: 0, SortMode.PACKETS: 1, SortMode.RATE: 2}[table.mode]
        expected = sorted(order, key=lambda k: (-model[k][column], order.index(k)))
        assert [(s.src, s.dst) for s in table.rows(0, len(order))] == expected
        assert {(s.src, s.dst): s.rate for s in table.rows(0, len(order))} == {
            key: counts[2] for key, counts in model.items()
        }
        table.set_mode(next_mode)
    if order:
        best = max(order, key=lambda k: (model[k][0], -order.index(k)))
        assert table.busiest is not None
        assert table.busiest.bytes == model[best][0]


def test_pair_rates_follow_packet_seconds_not_ticks() -> None:
    """A fast replay: one tick carries 30 packet-seconds; a pair's rate is its bytes in the last
    complete second, as the totals' current rate, and stays so after the replay ended."""
    agg = Aggregator(HOST, utc=True)
    agg.set_sort(SortMode.RATE)
    agg.add(packet(T0 + s + 0.5, 100 * (s + 1), A, ME) for s in range(30))
    agg.add(packet(T0 + s + 0.25, 5000, B, ME) for s in range(10))  # quiet for the last 20 s
    agg.add([packet(T0 + 30.1, 7, A, ME)])  # the second still in progress
    agg.tick(T0 + 30.1)  # a replay's clock: its last packet
    snap = agg.snapshot(T0 + 30.1)
    assert snap.inbound.rates.current == 3000
    assert [(r.src, r.rate) for r in snap.top] == [(A, 3000.0), (B, 0.0)]
    agg.tick(T0 + 30.1)  # the end of the file: nothing new, the rates stay
    assert [(r.src, r.rate) for r in agg.snapshot(T0 + 30.1).top] == [(A, 3000.0), (B, 0.0)]
    agg.add([packet(T0 + 30.9, 1000, B, ME), packet(T0 + 31.2, 1, B, ME)])
    agg.tick(T0 + 31.2)
    snap = agg.snapshot(T0 + 31.2)
    assert [(r.src, r.rate) for r in snap.top] == [(B, 1000.0), (A, 7.0)]
    assert snap.inbound.rates.current == 1007


def test_averages_at_the_start_cover_only_the_seconds_since_the_first_packet() -> None:
    agg = Aggregator(HOST, utc=True)
    agg.add(packet(T0 + s + 0.5, 1000, A, ME) for s in range(3))
    agg.tick(T0 + 3.0)
    rates = agg.snapshot(T0 + 3.0).inbound.rates
    assert rates.averages == (1000.0, 1000.0, 1000.0)
    agg.tick(T0 + 5.0)  # two silent seconds follow: they count
    assert agg.snapshot(T0 + 5.0).inbound.rates.averages == (0.0, 600.0, 600.0)
    assert Aggregator(HOST).snapshot(T0).inbound.rates.averages == (0.0, 0.0, 0.0)


def test_a_new_host_address_counts_out_from_the_next_records_on() -> None:
    new = parse_address("10.2.0.9")
    agg = Aggregator(HOST, utc=True)
    agg.add([packet(T0, 100, new, A)])
    agg.tick(T0 + 1)
    agg.set_host(HostAddresses(HOST.addresses | {new}, HOST.mac))
    agg.add([packet(T0 + 1, 200, new, A)])
    agg.tick(T0 + 2)
    snap = agg.snapshot(T0 + 2)
    assert (snap.inbound.bytes, snap.outbound.bytes) == (100, 200)
