"""Drawing blocks of the screens: column tables, the mirrored IN/OUT rate graph, the key footer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import urwid

from ntc_tui.ui import units
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import Markup, Row, fit

LOWER_BLOCKS = " ▁▂▃▄▅▆▇█"  # index = eighths of a cell filled from the bottom
GAP = 1  # columns between table columns


def unicode_screen() -> bool:
    """Whether the terminal's encoding can show block characters (else ASCII stand-ins)."""
    return urwid.get_encoding_mode() == "utf8"


def lines_canvas(lines: Sequence[Markup], size: tuple[int, int]) -> urwid.Canvas:
    """A box canvas of ``size`` with one markup line per row (clipped; blank rows below)."""
    maxcol, maxrow = size
    parts: list[tuple[urwid.Canvas, None, bool]] = [
        (urwid.Text(list(line) or "", wrap=urwid.WrapMode.CLIP).render((maxcol,)), None, False)
        for line in lines[:maxrow]
    ]
    if len(parts) < maxrow:
        filler = urwid.AttrMap(urwid.SolidFill(" "), Attr.BODY)
        parts.append((filler.render((maxcol, maxrow - len(parts))), None, False))
    return urwid.CanvasCombine(parts)


# --- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: a fixed ``width``, or None to share the room left between such columns."""

    title: str
    width: int | None = None
    align_right: bool = False
    min_width: int = 4


def column_widths(columns: Sequence[Column], maxcol: int) -> list[int]:
    """Widths of ``columns`` in ``maxcol`` columns: fixed ones first, the rest shared."""
    fixed = sum(c.width for c in columns if c.width is not None)
    flexible = [c for c in columns if c.width is None]
    room = maxcol - fixed - GAP * (len(columns) - 1)
    share = max(min(c.min_width for c in flexible), room // len(flexible)) if flexible else 0
    extra = room - share * len(flexible) if flexible else 0
    widths = []
    for column in columns:
        if column.width is not None:
            widths.append(column.width)
        else:
            widths.append(share + (1 if extra > 0 else 0))
            extra -= 1
    return widths


def table_line(
    cells: Row, columns: Sequence[Column], widths: Sequence[int], attr: Attr = Attr.BODY
) -> Markup:
    """One table row as markup: cells cut to their column and aligned."""
    texts = []
    for cell, column, width in zip(cells, columns, widths, strict=True):
        text = fit(cell, width)
        texts.append(text.rjust(width) if column.align_right else text.ljust(width))
    return [(attr, (" " * GAP).join(texts))]


class Table(urwid.Widget):
    """A box widget: a title row, then as many rows as fit."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self, columns: Sequence[Column]) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.titles: Row = tuple(c.title for c in columns)
        self.rows: list[tuple[Row, Attr]] = []
        self.page_rows = 0  # data rows shown by the last render (for paging)

    def set_rows(
        self, rows: Sequence[Row], attr: Attr = Attr.BODY, titles: Row | None = None
    ) -> None:
        """Show ``rows`` (all in ``attr``) under ``titles`` (default: the columns' titles)."""
        self.rows = [(row, attr) for row in rows]
        if titles is not None:
            self.titles = titles
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        maxcol, maxrow = size
        widths = column_widths(self.columns, maxcol)
        lines = [table_line(self.titles, self.columns, widths, Attr.TABLE_HEAD)]
        lines += [table_line(row, self.columns, widths, attr) for row, attr in self.rows]
        self.page_rows = max(0, maxrow - 1)
        return lines_canvas(lines, size)


class Scroller(urwid.Widget):
    """A box widget showing a flow widget from a line offset; the app's scroll keys move it."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self, content: urwid.Widget) -> None:
        super().__init__()
        self.content = content
        self.offset = 0
        self.page_rows = 1  # rows shown by the last render

    def set_content(self, content: urwid.Widget, keep_offset: bool = False) -> None:
        """Show ``content`` (from its top unless ``keep_offset``)."""
        self.content = content
        if not keep_offset:
            self.offset = 0
        self._invalidate()

    def scroll(self, delta: int) -> None:
        """Move ``delta`` lines (negative: up); kept within the content when drawn."""
        self.offset = max(0, self.offset + delta)
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        maxcol, maxrow = size
        self.page_rows = maxrow
        full = urwid.CompositeCanvas(self.content.render((maxcol,), focus))
        total = full.rows()
        self.offset = max(0, min(self.offset, total - maxrow))
        if self.offset:
            full.trim(self.offset)
        if total - self.offset > maxrow:
            full.trim_end(total - self.offset - maxrow)
        elif total - self.offset < maxrow:
            full.pad_trim_top_bottom(0, maxrow - (total - self.offset))
        return full


# --- the rate graph --------------------------------------------------------------------------


def _bar_cells(value: float, scale: float, rows: int) -> list[int]:
    """Eighths filled in each of ``rows`` cells, nearest the axis first."""
    eighths = round(value / scale * rows * 8) if scale > 0 else 0
    if value > 0 and eighths == 0:
        eighths = 1  # any traffic shows
    return [max(0, min(8, eighths - 8 * row)) for row in range(rows)]


def _runs(cells: Sequence[tuple[Attr, str]]) -> Markup:
    """Adjacent cells of one attribute merged into one text run."""
    merged: Markup = []
    for attr, char in cells:
        if merged and merged[-1][0] is attr:
            merged[-1] = (attr, merged[-1][1] + char)
        else:
            merged.append((attr, char))
    return merged


def graph_lines(
    inbound: Sequence[float], outbound: Sequence[float], size: tuple[int, int], unit: Units
) -> list[Markup]:
    """The last minute mirrored on a shared scale: IN grows up from the middle, OUT down."""
    maxcol, maxrow = size
    label_width = 13
    plot = max(1, maxcol - label_width - 1)
    per_second = max(1, plot // max(1, len(inbound)))
    seconds = min(len(inbound), plot // per_second)
    values_in = list(inbound[len(inbound) - seconds :])
    values_out = list(outbound[len(outbound) - seconds :])
    scale = max([*values_in, *values_out, 1.0])
    up_rows = max(1, maxrow // 2)
    down_rows = max(0, maxrow - up_rows)
    pad = plot - seconds * per_second
    fancy = unicode_screen()
    in_cells = [_bar_cells(v, scale, up_rows) for v in values_in]
    out_cells = [_bar_cells(v, scale, down_rows) for v in values_out]
    labels = [f"IN {units.rate(scale, unit)}", f"OUT {units.rate(scale, unit)}"]
    lines: list[Markup] = []
    for row in range(up_rows):
        level = up_rows - 1 - row  # cells above the axis, counted from it
        cells = [(Attr.BODY, " ")] * pad
        for column in in_cells:
            fill = column[level]
            char = LOWER_BLOCKS[fill] if fancy else (" ", ".", "#")[min(2, (fill + 3) // 4)]
            cells += [(Attr.GRAPH_IN, char)] * per_second
        label = labels[0] if row == 0 else ""
        lines.append([(Attr.IN, label.rjust(label_width)), (Attr.AXIS, "│"), *_runs(cells)])
    for row in range(down_rows):
        cells = [(Attr.BODY, " ")] * pad
        for column in out_cells:
            fill = column[row]
            if not fancy:
                cell = (Attr.GRAPH_OUT, (" ", "'", "#")[min(2, (fill + 3) // 4)])
            elif fill in (0, 8):
                cell = (Attr.GRAPH_OUT, LOWER_BLOCKS[fill])
            else:  # the top ``fill`` eighths: a lower block in the background colour, inverted
                cell = (Attr.GRAPH_OUT_FILL, LOWER_BLOCKS[8 - fill])
            cells += [cell] * per_second
        label = labels[1] if row == down_rows - 1 else ""
        lines.append([(Attr.OUT, label.rjust(label_width)), (Attr.AXIS, "│"), *_runs(cells)])
    return lines


class RateGraph(urwid.Widget):
    """A box widget: the IN/OUT rates of the last minute, one column (or more) per second."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.inbound: tuple[float, ...] = ()
        self.outbound: tuple[float, ...] = ()
        self.unit = Units.BYTES

    def set_data(self, inbound: Sequence[float], outbound: Sequence[float], unit: Units) -> None:
        """Show these per-second rates (oldest first)."""
        self.inbound, self.outbound, self.unit = tuple(inbound), tuple(outbound), unit
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        return lines_canvas(graph_lines(self.inbound, self.outbound, size, self.unit), size)


# --- footer ----------------------------------------------------------------------------------


def footer_markup(items: Sequence[tuple[str, str]], width: int | None = None) -> Markup:
    """The keys of the current view: `` q quit  d DB ...``, closer together when that does
    not fit in ``width`` columns."""
    roomy: Markup = []
    for key, label in items:
        roomy += [(Attr.FOOTER_KEY, f" {key} "), (Attr.FOOTER, f"{label} ")]
    if width is None or sum(len(text) for _, text in roomy) <= width:
        return roomy
    compact: Markup = []
    for key, label in items:
        compact += [(Attr.FOOTER_KEY, key), (Attr.FOOTER, f" {label} ")]
    return compact


def text_line(markup: Markup, attr: Attr = Attr.BODY) -> urwid.Widget:
    """A one-line flow widget (clipped) with its background in ``attr``."""
    return urwid.AttrMap(urwid.Text(list(markup) or "", wrap=urwid.WrapMode.CLIP), attr)
