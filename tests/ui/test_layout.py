"""What the screens show, read from their rendered text: tables, graphs and charts at 80×24,
120×40 and wider, in bytes and bits, and at sizes too small for them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ntc_tui.aggregate import PairRow
from ntc_tui.records import encode_date, parse_address
from ntc_tui.session import CaptureState
from ntc_tui.store import Batch, Store
from ntc_tui.ui.historymodel import HistoryQuery, read_history
from ntc_tui.ui.keys import HELP_GROUPS, KEY_TABLE
from ntc_tui.ui.screens.help import help_content
from ntc_tui.ui.screens.history import HistoryScreen, chart_lines
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import header_lines
from ntc_tui.ui.widgets import Column, Scroller, column_widths, graph_lines, resample
from tests.ui.sample import (
    download_snapshot,
    sample_header,
    sample_history,
    sample_snapshot,
)
from tests.ui.screens import history_screen, live_screen, text_of
from tests.ui.test_screens import SCREENS


def plain(markup: list[tuple[object, str]]) -> str:
    return "".join(text for _, text in markup)


def test_narrow_screens_show_protocols_with_volume_packets_and_share() -> None:
    lines = text_of(live_screen(), (80, 24)).splitlines()
    titles = [n for n, line in enumerate(lines) if line.startswith("protocol    volume")]
    assert len(titles) == 1
    table = "\n".join(lines[titles[0] : titles[0] + 3])
    assert "share   protocol    volume packets  share" in table  # two abreast
    assert "TCP        6.10 MB   2,640  81.1%" in table
    assert "ICMPv6     8.85 kB      75   0.1%" in table
    narrower = text_of(live_screen(), (60, 24))  # one abreast: the rest summed up
    assert "TCP        6.10 MB   2,640  81.1%" in narrower
    assert "+3 more    1.42 MB     438  18.9%" in narrower


def test_graph_gives_each_direction_its_own_scale_and_a_time_axis() -> None:
    snapshot = download_snapshot()
    inbound, outbound = snapshot.inbound.rates.graph, snapshot.outbound.rates.graph
    assert max(inbound) > 400 * max(outbound)
    lines = [plain(line) for line in graph_lines(inbound, outbound, (80, 7), Units.BYTES)]
    plot = 80 - 14
    assert lines[0].startswith(" IN 30.0 kB/s│") and lines[-1].startswith("   OUT 60 B/s│")
    assert lines[2][14:] == "█" * plot  # the steady download fills its own scale
    axis = lines[3]
    assert axis == " " * 13 + "┼-60s" + axis[18:] and axis.endswith("now") and "-30s" in axis
    near, middle, _ = (line[14:] for line in lines[4:])
    assert near == "█" * plot  # 30 B and 60 B seconds alike fill the cell next to the axis
    assert "█" in middle and "▄" in middle  # ... and the upload's shape shows below it


def test_graph_fills_the_width_of_wide_terminals() -> None:
    snapshot = sample_snapshot()
    rates = snapshot.inbound.rates.graph
    for width in (80, 124, 200):
        near_axis = plain(graph_lines(rates, rates, (width, 5), Units.BYTES)[1])[14:]
        assert len(near_axis) == width - 14 and " " not in near_axis  # every column drawn
    text = text_of(live_screen(), (160, 40))
    (axis,) = [line for line in text.splitlines() if "-60s" in line]
    graph_width = 160 - 34 - 2  # the protocols table beside it
    assert axis.index("now") == graph_width - len("now")


def test_wide_terminals_give_room_to_share_mean_packet_and_a_bar() -> None:
    text = text_of(live_screen(), (160, 40))
    (titles,) = [line for line in text.splitlines() if "destination" in line]
    assert "share" in titles and "avg pkt" in titles
    assert titles.index("destination") - titles.index("source") == 39 + 1  # an IPv6 address
    (top,) = [line for line in text.splitlines() if line.startswith("    1 192.0.2.7 ")]
    assert "4.7%" in top and "3,839 B" in top and "█" * 20 in top
    narrow = text_of(live_screen(), (80, 24))
    assert "avg pkt" not in narrow


def test_capped_columns_are_served_first() -> None:
    address = Column("a", min_width=15, max_width=39)
    columns = [Column("", 5), address, address, Column("v", 8), Column("", min_width=8)]
    assert column_widths(columns, 80) == [5, 28, 27, 8, 8]
    assert column_widths(columns, 160) == [5, 39, 39, 8, 65]
    assert column_widths([Column("", 5), address, address], 60) == [5, 27, 26]


def test_resample_stretches_exactly_and_squeezes_by_mean() -> None:
    assert resample([1.0, 2.0, 3.0], 6) == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert resample([1.0, 2.0, 3.0, 4.0], 2) == [1.5, 3.5]
    assert resample([1.0, 2.0, 3.0, 4.0], 3) == [1.25, 2.5, 3.75]
    assert resample([], 5) == [] and resample([1.0], 0) == []


def test_bits_convert_rates_but_totals_stay_in_bytes() -> None:
    text = text_of(live_screen(units=Units.BITS), (80, 24))
    assert "IN           6.56 MB     1,796  423 kb/s" in text
    assert "  max 192.0.2.7               10.200.0.1               357 kB" in text
    assert "TCP        6.10 MB" in text
    assert " Mb " not in text and " kb " not in text


def test_a_packets_column_is_written_one_way() -> None:
    base = sample_snapshot()
    ip = parse_address
    rows = (
        PairRow(ip("192.0.2.1"), ip("10.200.0.1"), 900_000_000, 1_234_567, 0.0),
        PairRow(ip("192.0.2.2"), ip("10.200.0.1"), 90_000_000, 62_925, 0.0),
        PairRow(ip("192.0.2.3"), ip("10.200.0.1"), 9_000, 93, 0.0),
    )
    snapshot = replace(base, top=rows, busiest=rows[0], busiest_reverse=None, pair_count=3)
    text = text_of(live_screen(snapshot), (80, 24))
    assert "1.23M" in text and "62.9k" in text and "62,925" not in text
    assert "900 MB       93" not in text
    small = text_of(live_screen(), (80, 24))
    assert "    1 192.0.2.7               10.200.0.1               357 kB       93" in small


def test_pivot_packets_columns_are_written_one_way(tmp_path: Path) -> None:
    day1, day2 = encode_date(2025, 6, 14), encode_date(2025, 6, 15)
    a, b, c = (parse_address(f"10.9.0.{i}") for i in (1, 2, 3))
    with Store.open(tmp_path, writer=True) as store:
        store.apply(
            Batch(
                pairs={
                    (day1, a, b): [9_000_000, 150_000],
                    (day1, b, c): [1_000, 7],
                    (day2, b, c): [2_000, 12_345],
                },
                proto_cells={},
            )
        )
        result = read_history(store, HistoryQuery(day1, day2, 0, 60), utc=True)
    screen = HistoryScreen(utc=True)
    screen.show(result, Units.BYTES, busy=False, reset=True)
    text = text_of(screen, (80, 12))
    row_b = next(line for line in text.splitlines() if line.startswith("10.9.0.2"))
    assert "7" in row_b.split() and "12,345" in row_b  # day 1: SI; day 2: separators
    row_a = next(line for line in text.splitlines() if line.startswith("10.9.0.1"))
    assert "150k" in row_a and "150,000" not in row_a


def test_pivot_at_80_columns_shows_as_many_days_as_fit() -> None:
    text = text_of(history_screen(), (80, 24))
    assert "2025-06-14" in text and "2025-06-15" in text and "all days" in text
    assert "days 3–4 of 4 (←/→ days)" in text
    assert "2025-06-13" in text_of(history_screen(), (100, 24))


def test_history_chart_gives_each_protocol_its_own_scale() -> None:
    lines = [plain(line) for line in chart_lines(sample_history(), (80, 5), Units.BYTES, True)]
    bands = {line.split()[0]: line for line in lines if line[:1].strip()}
    assert set(bands) == {"TCP", "UDP", "ICMPv6", "0x88cc"}
    for name in ("UDP", "0x88cc"):
        assert "█" in bands[name]  # small protocols reach their own top
    assert bands["0x88cc"].rstrip().endswith("B/s") and bands["TCP"].rstrip().endswith("kB/s")
    assert "s per column" in lines[-1]
    assert lines[-1].strip().startswith("15:06:40") and lines[-1].endswith("15:07:55")


def test_help_lists_global_keys_once_then_each_screens_own() -> None:
    text = text_of(Scroller(help_content()), (200, 100))
    lines = text.splitlines()
    assert text.count("quit: stop capturing, save, write the session report") == 1
    assert text.count("scroll down a page") == 1
    assert text.count("pause or resume the display") == 1
    assert text.count("history screen: stored traffic") == 2  # from the live and import screens
    titles = [line for line in lines if line in {title for title, _ in HELP_GROUPS}]
    assert titles == [title for title, _ in HELP_GROUPS]
    for binding in KEY_TABLE:
        assert binding.description in text
    overlay = text_of(Scroller(help_content()), (70, 200)).rstrip("\n")  # 80 columns' overlay
    assert len(overlay.splitlines()) <= 45


def test_a_finished_replay_shows_its_packet_span_and_says_so() -> None:
    model = sample_header(
        interface="capture.pcap",
        state=CaptureState.STOPPED,
        replaying=True,
        elapsed=62.0,
        span=(1_750_000_000.0, 1_750_000_062.0),
        utc=True,
        coverage=None,
        direction_note="local",
    )
    left1, right1, _, right2, _ = header_lines(model, 80)
    assert plain(left1).startswith(" ntc-tui  capture.pcap local: 10.200.0.1 +2")
    assert plain(right1) == " replay finished  span 0:01:02 "
    assert plain(right2) == "packets 15:06:40 → 15:07:42 "
    live = header_lines(sample_header(), 80)
    assert plain(live[1]).endswith(" 1:02:03 ")
    assert plain(live[3]) == "coverage 99.8% │ if-drops 0 "  # the NIC's drop counters


@pytest.mark.parametrize("size", [(60, 20), (40, 10), (20, 5), (1, 1)], ids=str)
@pytest.mark.parametrize("name", list(SCREENS))
def test_small_terminals_still_draw(name: str, size: tuple[int, int]) -> None:
    text = text_of(SCREENS[name](), size)
    assert len(text.splitlines()) == size[1]
