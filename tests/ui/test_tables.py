"""The key table, the palette and the help are data that must agree with the code using them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.ui.app import Dashboard
from ntc_tui.ui.keys import KEY_TABLE, Action, Binding, View, duplicates, footer_items, lookup
from ntc_tui.ui.palette import PALETTE, Attr
from ntc_tui.ui.screens.help import help_content
from ntc_tui.ui.widgets import Scroller
from tests.ui.driving import options_for
from tests.ui.screens import SIZES, attrs_of, text_of
from tests.ui.terminal import PtyTerminal
from tests.ui.test_screens import SCREENS


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    terminal = PtyTerminal(80, 24)
    board = Dashboard(options_for(tmp_path), screen=terminal.urwid_screen())
    yield board
    board.close()
    terminal.close()


def test_no_key_is_bound_twice_on_a_view() -> None:
    assert duplicates() == []
    doubled = (*KEY_TABLE, Binding(("x", "q"), Action.SORT, "clash", frozenset({View.LIVE})))
    assert duplicates(doubled) == [(View.LIVE, "q")]


def test_every_action_has_a_binding_and_a_handler(dashboard: Dashboard) -> None:
    assert {binding.action for binding in KEY_TABLE} == set(Action)
    assert set(dashboard.actions) == set(Action)


def test_spec_keys_act_where_the_spec_says() -> None:
    for view in (View.LIVE, View.IMPORT, View.HISTORY, View.HELP):
        assert lookup(view, "q") is Action.QUIT
        assert lookup(view, "?") is Action.HELP and lookup(view, "h") is Action.HELP
    live = {key: lookup(View.LIVE, key) for key in "dirpsu"}
    assert live == {
        "d": Action.PERSISTENCE,
        "i": Action.IMPORT,
        "r": Action.HISTORY,
        "p": Action.PAUSE,
        "s": Action.SORT,
        "u": Action.UNITS,
    }
    assert lookup(View.LIVE, "page down") is Action.PAGE_DOWN
    assert lookup(View.HELP, "esc") is Action.BACK
    assert lookup(View.IMPORT, "c") is Action.CANCEL
    assert lookup(View.LIVE, "c") is None


def test_help_lists_every_binding_and_the_footer_only_bound_keys() -> None:
    text = text_of(Scroller(help_content()), (100, 200))
    for binding in KEY_TABLE:
        assert binding.description in text
    for view in View:
        for key, label in footer_items(view):
            binding = next(b for b in KEY_TABLE if b.footer == label and view in b.views)
            assert key in text and binding.description in text


def test_palette_has_one_entry_per_attribute() -> None:
    names = [entry.attr for entry in PALETTE]
    assert sorted(names) == sorted(Attr)


@pytest.mark.parametrize("name", list(SCREENS))
def test_screens_use_only_palette_attributes(name: str) -> None:
    palette = {entry.attr for entry in PALETTE}
    for size in SIZES:
        used = attrs_of(SCREENS[name](), size)
        assert used <= palette, f"not in the palette: {used - palette}"
