"""Every screen rendered to text at 80×24 and 120×40 and compared with its snapshot file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import urwid

from ntc_tui.aggregate import SortMode
from ntc_tui.session import CaptureState
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units
from tests.ui.sample import sample_snapshot
from tests.ui.screens import (
    SIZES,
    attrs_of,
    help_screen,
    history_screen,
    import_screen,
    live_screen,
    matches_snapshot,
    text_of,
)

SCREENS: dict[str, Callable[[], urwid.Widget]] = {
    "live": live_screen,
    "live-bits-by-rate": lambda: live_screen(sample_snapshot(sort=SortMode.RATE), Units.BITS),
    "live-scrolled": lambda: live_screen(sample_snapshot(offset=20)),
    "live-error": lambda: live_screen(
        state=CaptureState.ERROR,
        error="tshark exited unexpectedly (killed by signal 9)",
        persisting=False,
        flush_error="disk full, nothing written; will retry",
        paused=True,
    ),
    "live-replay-finished": lambda: live_screen(
        interface="capture.pcap",
        state=CaptureState.STOPPED,
        replaying=True,
        elapsed=62.0,
        span=(1_750_000_000.0, 1_750_000_062.0),
        utc=True,
        coverage=None,
        direction_note="--host",
    ),
    "help": help_screen,
    "import": import_screen,
    "import-running": lambda: import_screen("running"),
    "import-done": lambda: import_screen("done"),
    "import-cancelled": lambda: import_screen("cancelled"),
    "history": history_screen,
    "history-reading": lambda: history_screen(reading=True),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_matches_its_snapshot(name: str, size: tuple[int, int]) -> None:
    text = text_of(SCREENS[name](), size)
    assert len(text.splitlines()) == size[1]
    assert matches_snapshot(f"{name}-{size[0]}x{size[1]}", text)


def test_header_colours_follow_state_and_persistence() -> None:
    size = (80, 24)
    running = attrs_of(live_screen(), size)
    assert {Attr.STATE_RUNNING, Attr.DB_ON} <= running
    assert not {Attr.STATE_ERROR, Attr.DB_OFF, Attr.PAUSED} & running
    failed = attrs_of(
        live_screen(state=CaptureState.ERROR, error="tshark died", persisting=False, paused=True),
        size,
    )
    assert {Attr.STATE_ERROR, Attr.DB_OFF, Attr.PAUSED} <= failed
    assert Attr.STATE_RUNNING not in failed


def test_graph_draws_in_and_out_in_their_colours() -> None:
    attrs = attrs_of(live_screen(), (120, 40))
    assert {Attr.GRAPH_IN, Attr.GRAPH_OUT, Attr.GRAPH_OUT_FILL, Attr.IN, Attr.OUT} <= attrs
