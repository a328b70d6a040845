"""What every screen shares: the session header on top, the keys (and a notice) at the bottom."""

from __future__ import annotations

from collections.abc import Sequence

import urwid

from ntc_tui.ui.palette import Attr
from ntc_tui.ui.viewmodel import HeaderModel, Markup, header_lines
from ntc_tui.ui.widgets import footer_markup, text_line


def _width(markup: Markup) -> int:
    return sum(len(text) for _, text in markup)


class Header(urwid.Widget):
    """A flow widget: interface and addresses, capture state, pause, elapsed time; DB ON/OFF and
    the data directory; coverage and drops; then any problem (capture error, failed flush)."""

    _sizing = frozenset([urwid.Sizing.FLOW])

    def __init__(self) -> None:
        super().__init__()
        self._model: HeaderModel | None = None
        self._built: tuple[HeaderModel | None, int, urwid.AttrMap[urwid.Widget]] | None = None

    def update(self, model: HeaderModel) -> None:
        """Show ``model``."""
        if model != self._model:
            self._model = model
            self._invalidate()

    def _lines(self, width: int) -> urwid.AttrMap[urwid.Widget]:
        if self._built is None or self._built[:2] != (self._model, width):
            self._built = (self._model, width, _header_pile(self._model, width))
        return self._built[2]

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return int(self._lines(size[0]).rows(size, focus))

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        return self._lines(size[0]).render(size, focus)


def _header_pile(model: HeaderModel | None, width: int) -> urwid.AttrMap[urwid.Widget]:
    if model is None:
        return urwid.AttrMap(urwid.Text(" ntc-tui  starting…"), Attr.HEADER)
    left1, right1, left2, right2, problems = header_lines(model, width)
    lines: list[urwid.Widget] = [_split_line(left1, right1), _split_line(left2, right2)]
    lines += [urwid.Text(list(problem)) for problem in problems]
    return urwid.AttrMap(urwid.Pile(lines), Attr.HEADER)


def _split_line(left: Markup, right: Markup) -> urwid.Widget:
    """One line: ``left`` (cut when short of room) and ``right`` at the right edge."""
    return urwid.Columns(
        [
            urwid.Text(list(left), wrap=urwid.WrapMode.CLIP),
            (_width(right), urwid.Text(list(right), wrap=urwid.WrapMode.CLIP)),
        ]
    )


class Footer(urwid.Widget):
    """A flow widget: the keys of the current view (laid out for the width, led by TYPING while
    a text field takes the keys), with a one-line notice above them when there is one."""

    _sizing = frozenset([urwid.Sizing.FLOW])

    def __init__(self) -> None:
        super().__init__()
        self._items: tuple[tuple[str, str], ...] = ()
        self._notice: str | None = None
        self._typing = False

    def update(
        self, items: Sequence[tuple[str, str]], notice: str | None, typing: bool = False
    ) -> None:
        """Show the keys ``items`` and ``notice`` (None: no notice line); ``typing`` while a
        text field takes the keys."""
        if (tuple(items), notice, typing) != (self._items, self._notice, self._typing):
            self._items, self._notice, self._typing = tuple(items), notice, typing
            self._invalidate()

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return 2 if self._notice else 1

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        lines = []
        if self._notice:
            lines.append(text_line([(Attr.NOTICE, self._notice)]))
        lines.append(text_line(footer_markup(self._items, size[0], self._typing), Attr.FOOTER))
        return urwid.Pile(lines).render(size, focus)


class ScreenFrame(urwid.WidgetWrap[urwid.Widget]):
    """A screen: the session header, a body, the keys; cells nothing else colours are body."""

    def __init__(self, body: urwid.Widget, header: Header, footer: Footer) -> None:
        self.frame = urwid.Frame(body, header=header, footer=footer)
        super().__init__(urwid.AttrMap(self.frame, Attr.BODY))

    def set_body(self, body: urwid.Widget) -> None:
        """Show ``body`` between the header and the keys."""
        self.frame.body = body
