"""The help overlay, written from the key table: global keys once, then each screen's own."""

from __future__ import annotations

import urwid

from ntc_tui.ui.keys import KEY_TABLE, Binding, help_sections
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.widgets import Scroller

KEY_COLUMN = 9
INTRO = (
    "IN and OUT are seen from the addresses in the header: the interface's, those of --host "
    "('--host:'), or, reading a file without --host, every local interface's ('local:'). With "
    "DB ON the counts per day and pair are saved in the data directory every few seconds, on d "
    "and on exit."
)
FIELDS = "In a text field (the footer says TYPING) letters type; Tab moves on."
SIGNALS = "Ctrl-C, SIGTERM and SIGHUP end the session as q does."


def help_content(table: tuple[Binding, ...] = KEY_TABLE) -> urwid.Widget:
    """The help as one flow widget: an introduction, the keys of every screen, then each
    screen's own keys."""
    rows: list[urwid.Widget] = [urwid.Text(INTRO), urwid.Divider()]
    for title, bindings in help_sections(table):
        rows.append(urwid.Text((Attr.HELP_TITLE, title)))
        for keys, description in bindings:
            rows.append(
                urwid.Columns(
                    [
                        (KEY_COLUMN, urwid.Text((Attr.HELP_KEY, f"  {keys}"))),
                        urwid.Text(description),
                    ]
                )
            )
        rows.append(urwid.Divider())
    rows += [urwid.Text(FIELDS), urwid.Divider(), urwid.Text(SIGNALS)]
    return urwid.Pile(rows)


def help_overlay(panel: Scroller, below: urwid.Widget) -> urwid.Widget:
    """``panel`` (a Scroller of ``help_content``) framed and centred over ``below``."""
    box = urwid.AttrMap(urwid.LineBox(panel, title="ntc-tui keys · Esc closes"), Attr.HELP)
    return urwid.Overlay(
        box,
        below,
        align=urwid.Align.CENTER,
        width=(urwid.WHSettings.RELATIVE, 90),
        valign=urwid.VAlign.MIDDLE,
        height=(urwid.WHSettings.RELATIVE, 90),
        min_width=40,
        min_height=8,
    )
