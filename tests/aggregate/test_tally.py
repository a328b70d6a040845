"""Tally: the counting rules of SPEC §3 applied to records (direction, pairs, protocols, days)."""

from __future__ import annotations

from ntc_tui.aggregate import HostAddresses, Tally
from ntc_tui.records import (
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    DayCalendar,
    PacketRecord,
    encode_date,
    parse_address,
)

ME4, PEER4 = parse_address("10.1.0.1"), parse_address("10.1.0.2")
ME6, PEER6 = parse_address("fd00::1"), parse_address("fd00::2")
MY_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
HOST = HostAddresses(frozenset({ME4, ME6}), MY_MAC)
T0 = 1_790_000_000.25  # 2026-09-21 UTC


def rec(ts: float, length: int, family: int, src, dst, proto: str, mac: str | None) -> PacketRecord:  # type: ignore[no-untyped-def]
    return PacketRecord(ts, length, family, src, dst, proto, mac)


def test_direction_by_ip_and_by_mac() -> None:
    tally = Tally(DayCalendar(utc=True), HOST)
    tally.add(
        [
            rec(T0, 100, FAMILY_V4, ME4, PEER4, "TCP", MY_MAC),  # OUT by IP and MAC
            rec(T0, 200, FAMILY_V4, PEER4, ME4, "TCP", PEER_MAC),  # IN
            rec(T0, 300, FAMILY_V6, ME6, PEER6, "UDP", None),  # OUT by IP, no MAC (e.g. tun)
            rec(T0, 400, FAMILY_NONE, None, None, "0x88cc", MY_MAC),  # OUT by MAC only
            rec(T0, 500, FAMILY_NONE, None, None, "0x88cc", PEER_MAC),  # IN
            rec(T0, 600, FAMILY_V4, PEER4, parse_address("10.1.0.255"), "UDP", PEER_MAC),
        ]
    )
    ((second, counts),) = tally.seconds.items()
    assert second == int(T0)
    assert counts == [200 + 500 + 600, 3, 100 + 300 + 400, 3]
    assert tally.packets == 6 and tally.bytes == 2100


def test_pairs_only_for_ip_and_protocols_for_everything() -> None:
    tally = Tally(DayCalendar(utc=True))
    day = encode_date(2026, 9, 21)
    tally.add(
        [
            rec(T0, 100, FAMILY_V4, ME4, PEER4, "TCP", None),
            rec(T0 + 0.5, 60, FAMILY_V4, ME4, PEER4, "ARP", None),
            rec(T0 + 1, 80, FAMILY_NONE, None, None, "0x88cc", None),
            rec(T0 + 1, 90, FAMILY_V6, ME6, PEER6, "ICMPv6", None),
        ]
    )
    assert tally.pairs == {(day, ME4, PEER4): [160, 2], (day, ME6, PEER6): [90, 1]}
    assert tally.proto_cells == {
        (int(T0), "TCP"): [100, 1],
        (int(T0), "ARP"): [60, 1],
        (int(T0) + 1, "0x88cc"): [80, 1],
        (int(T0) + 1, "ICMPv6"): [90, 1],
    }
    assert tally.seconds == {}  # no host: no direction


def test_day_is_the_packet_timestamp_across_midnight() -> None:
    midnight = 1_790_035_200  # 2026-09-22 00:00:00 UTC
    tally = Tally(DayCalendar(utc=True))
    tally.add([rec(midnight - 0.001, 10, FAMILY_V4, ME4, PEER4, "TCP", None)])
    tally.add([rec(midnight, 20, FAMILY_V4, ME4, PEER4, "TCP", None)])
    assert tally.pairs == {
        (encode_date(2026, 9, 21), ME4, PEER4): [10, 1],
        (encode_date(2026, 9, 22), ME4, PEER4): [20, 1],
    }
    assert (tally.first_ts, tally.last_ts) == (midnight - 0.001, midnight)


def test_direction_of_ip_frames_is_their_source_address_not_our_mac() -> None:
    """Routed, forwarded or bridged traffic leaves with our MAC but someone else's address: IN.
    A host without an address yet (DHCP discover, DAD, ARP probe) sends from 0.0.0.0 or ::
    with our MAC: OUT."""
    tally = Tally(DayCalendar(utc=True), HOST)
    other4, other6 = parse_address("192.0.2.7"), parse_address("2001:db8::7")
    tally.add(
        [
            rec(T0, 100, FAMILY_V4, other4, PEER4, "TCP", MY_MAC),  # forwarded: IN
            rec(T0, 200, FAMILY_V6, other6, PEER6, "UDP", MY_MAC),  # forwarded: IN
            rec(T0, 300, FAMILY_V4, 0, 0xFFFFFFFF, "UDP", MY_MAC),  # DHCP discover: OUT
            rec(T0, 400, FAMILY_V6, bytes(16), PEER6, "ICMPv6", MY_MAC),  # DAD: OUT
            rec(T0, 500, FAMILY_V4, 0, PEER4, "ARP", MY_MAC),  # ARP probe: OUT
            rec(T0, 600, FAMILY_V4, 0, 0xFFFFFFFF, "UDP", PEER_MAC),  # someone else's: IN
        ]
    )
    assert tally.seconds == {int(T0): [100 + 200 + 600, 3, 300 + 400 + 500, 3]}


def test_a_host_without_a_mac_never_matches_frames_without_one() -> None:
    tally = Tally(DayCalendar(utc=True), HostAddresses(frozenset({ME4}), None))
    tally.add(
        [
            rec(T0, 100, FAMILY_NONE, None, None, "0x88cc", None),
            rec(T0, 200, FAMILY_V4, 0, PEER4, "ARP", None),
        ]
    )
    assert tally.seconds == {int(T0): [300, 2, 0, 0]}


def test_per_second_pairs_for_the_aggregator_per_day_pairs_for_the_importer() -> None:
    records = [rec(T0 + s, 10, FAMILY_V4, ME4, PEER4, "TCP", None) for s in range(3)]
    by_second = Tally(DayCalendar(utc=True), per_second=True)
    by_second.add(records)
    assert by_second.pair_seconds == {(int(T0) + s, ME4, PEER4): [10, 1] for s in range(3)}
    assert by_second.pairs == {}
    by_day = Tally(DayCalendar(utc=True))
    by_day.add(records)
    assert by_day.pairs == {(encode_date(2026, 9, 21), ME4, PEER4): [30, 3]}
    assert by_day.pair_seconds == {}
