"""Tests of the shared vocabulary: encodings and protocol names of SPEC §3 and §5.1."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ntc_tui import records


def test_ipv4_encoding_matches_the_original() -> None:
    value = records.parse_ipv4("10.200.0.1")
    assert value == 0x0AC80001
    assert value.to_bytes(4, "little") == bytes.fromhex("0100c80a")
    assert records.format_address(value) == "10.200.0.1"


@given(st.integers(0, 2**32 - 1))
def test_ipv4_round_trip(value: int) -> None:
    assert records.parse_ipv4(records.format_address(value)) == value


@given(st.binary(min_size=16, max_size=16))
def test_ipv6_round_trip(value: bytes) -> None:
    assert records.parse_address(records.format_address(value)) == value


@pytest.mark.parametrize("text", ["", "1.2.3", "1.2.3.4 x", "256.1.1.1", "::g", "host.example"])
def test_bad_addresses_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not an IP"):
        records.parse_address(text)


def test_date_code_is_year_month_day() -> None:
    code = records.encode_date(2026, 11, 22)
    assert code.to_bytes(4, "little") == bytes.fromhex("160bea07")
    assert records.decode_date(code) == (2026, 11, 22)


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (6, "TCP"),
        (17, "UDP"),
        (1, "ICMP"),
        (58, "ICMPv6"),
        (2, "IGMP"),
        (132, "SCTP"),
        (47, "GRE"),
        (50, "ESP"),
        (51, "AH"),
        (89, "OSPF"),
        (253, "IP-253"),
        (59, "IP-59"),
    ],
)
def test_ip_protocol_names(number: int, name: str) -> None:
    assert records.ip_protocol_name(number) == name


def test_every_protocol_name_fits_eight_ascii_characters() -> None:
    names = [records.ip_protocol_name(n) for n in range(256)]
    names += [records.ethertype_name(t) for t in (0x0806, 0x88CC, 0xFFFF, 0)]
    assert all(len(n) <= records.PROTO_NAME_MAX and n.isascii() for n in names)
    assert records.ethertype_name(0x88CC) == "0x88cc"
    assert records.ethertype_name(0x0806) == "ARP"


@given(st.floats(0, 4e9))
def test_day_calendar_agrees_with_time_module(ts: float) -> None:
    for utc, convert in ((True, time.gmtime), (False, time.localtime)):
        tm = convert(ts)
        expected = records.encode_date(tm.tm_year, tm.tm_mon, tm.tm_mday)
        calendar = records.DayCalendar(utc=utc)
        assert calendar.code(ts) == expected
        assert calendar.code(ts) == expected  # the cached span gives the same answer


def test_day_calendar_changes_at_local_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        midnight = time.mktime((2026, 3, 29, 0, 0, 0, 0, 0, -1))  # the night clocks go forward
        calendar = records.DayCalendar()
        assert calendar.code(midnight - 0.001) == records.encode_date(2026, 3, 28)
        assert calendar.code(midnight) == records.encode_date(2026, 3, 29)
        assert calendar.code(midnight + 23 * 3600 - 0.001) == records.encode_date(2026, 3, 29)
        assert calendar.code(midnight + 23 * 3600) == records.encode_date(2026, 3, 30)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("1764000000.999999999", 1764000000),
        ("1764000000.000000001", 1764000000),
        ("1764000000", 1764000000),
        ("999999999.9999999", 999999999),
        ("4294967295.999999999", 4294967295),
    ],
)
def test_epoch_timestamps_floor_to_their_own_second(text: str, second: int) -> None:
    assert math.floor(records.epoch_timestamp(text)) == second


@pytest.mark.parametrize(
    ("chain", "transport"),
    [([6], 6), ([0, 60, 17], 17), ([44, 58], 58), ([60, 51], 51), ([135, 59], 135), ([0], 0)],
)
def test_ipv6_transport_skips_only_the_headers_before_the_upper_layer(
    chain: list[int], transport: int
) -> None:
    assert records.ipv6_transport(chain) == transport
