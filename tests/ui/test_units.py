"""How volumes, rates, counts and durations are written."""

from __future__ import annotations

import pytest

from ntc_tui.ui import units
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import addresses_text, fit


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (999.6, "1.00 kB"),
        (1234, "1.23 kB"),
        (12_345_678, "12.3 MB"),
        (999_500, "1.00 MB"),
        (123_456_789_012, "123 GB"),
    ],
)
def test_volume_is_in_bytes(value: float, text: str) -> None:
    assert units.volume(value) == text


def test_rate_and_unit_switch() -> None:
    assert units.rate(1_250_000, Units.BITS) == "10.0 Mb/s"
    assert units.rate(1_250_000, Units.BYTES) == "1.25 MB/s"
    assert units.rate(100, Units.BITS) == "800 b/s"
    assert Units.BYTES.other() is Units.BITS and Units.BITS.other() is Units.BYTES


def test_a_column_of_counts_is_written_one_way() -> None:
    small = units.count_style(62_925, 7)
    assert [small(n) for n in (93, 62_925)] == ["93", "62,925"]
    large = units.count_style(1_234_567, 7)  # "1,234,567" does not fit: the whole column SI
    assert [large(n) for n in (93, 62_925, 104_321, 1_234_567)] == ["93", "62.9k", "104k", "1.23M"]
    assert units.count_style(100_000, 6)(100_000) == "100k"
    assert units.count_style(99_999, 6)(99_999) == "99,999"


def test_times_and_spans() -> None:
    assert units.clock_text(1_750_000_000, utc=True) == "15:06:40"
    assert units.moment_text(1_750_000_000, utc=True) == "2025-06-15 15:06:40"
    assert [units.seconds_text(s) for s in (0.62, 1.44, 39.2, 252)] == [
        "0.62 s",
        "1.4 s",
        "39 s",
        "252 s",
    ]


def test_counts_durations_percent_eta() -> None:
    assert units.count(1234567) == "1,234,567"
    assert units.short_count(99_999) == "100k" and units.short_count(93) == "93"
    assert units.short_count(1_234_567) == "1.23M"
    assert units.duration(3723) == "1:02:03"
    assert units.duration(2 * 86400 + 3723) == "2d 01:02:03"
    assert units.percent(None) == "n/a" and units.percent(0.9984) == "99.8%"
    assert units.eta(100, 0) == "--:--"
    assert units.eta(600, 10) == "01:00" and units.eta(36_000, 10) == "1:00:00"


def test_fit_cuts_in_the_middle() -> None:
    assert fit("/var/lib/ntc-tui", 40) == "/var/lib/ntc-tui"
    assert fit("/very/long/path/to/the/data", 11) == "/very…/data"
    assert len(fit("2001:db8:abcd:1234:5678:9abc:def0:1234", 20)) == 20


def test_addresses_fit_their_room() -> None:
    addresses = ["10.0.0.1", "2001:db8::1", "fe80::1"]
    assert addresses_text(addresses, 80) == "10.0.0.1 2001:db8::1 fe80::1"
    assert addresses_text(addresses, 24) == "10.0.0.1 2001:db8::1 +1"
    assert addresses_text(addresses, 12) == "10.0.0.1 +2"
    assert addresses_text([], 10) == ""
