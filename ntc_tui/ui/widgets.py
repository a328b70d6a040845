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
    """A table column: a fixed ``width``, or None to share the room left between such columns.

    Of the sharing columns, those with a ``max_width`` are served first, up to it; the others
    (if any) get what is left beyond their ``min_width``."""

    title: str
    width: int | None = None
    align_right: bool = False
    min_width: int = 4
    max_width: int | None = None


def _share(room: int, columns: Sequence[Column]) -> list[int]:
    """``room`` shared out equally among ``columns``, each kept within its minimum and maximum
    (what a capped column cannot take goes to the others; the first ones get the remainder)."""
    widths: dict[int, int] = {}
    open_ = list(range(len(columns)))
    while open_:
        share = max(0, room) // len(open_)
        capped = [i for i in open_ if (columns[i].max_width or room + 1) <= share]
        if not capped:
            break
        for i in capped:
            widths[i] = columns[i].max_width or 0
            room -= widths[i]
            open_.remove(i)
    if open_:
        share, extra = divmod(max(0, room), len(open_))
        for rank, i in enumerate(open_):
            widths[i] = share + (1 if rank < extra else 0)
    return [max(columns[i].min_width, widths[i]) for i in range(len(columns))]


def column_widths(columns: Sequence[Column], maxcol: int) -> list[int]:
    """Widths of ``columns`` in ``maxcol`` columns: fixed ones first, the rest shared."""
    widths = [c.width or 0 for c in columns]
    room = maxcol - sum(widths) - GAP * (len(columns) - 1)
    flexible = [i for i, c in enumerate(columns) if c.width is None]
    capped = [i for i in flexible if columns[i].max_width is not None]
    rest = [i for i in flexible if columns[i].max_width is None]
    if capped and rest:  # the capped columns first, leaving the others their minimum
        first = _share(room - sum(columns[i].min_width for i in rest), [columns[i] for i in capped])
        for i, width in zip(capped, first, strict=True):
            widths[i] = width
        room -= sum(first)
    else:
        rest = flexible
    for i, width in zip(rest, _share(room, [columns[i] for i in rest]), strict=True):
        widths[i] = width
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

GRAPH_LABEL = 13  # "OUT 19.8 kB/s"
MIN_TICK_SPACING = 12  # columns between two labels of the time axis
TICK_STEPS = (5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)


def resample(values: Sequence[float], width: int) -> list[float]:
    """``values`` (one per equal slot of time) over ``width`` equal columns. Stretched, each
    column shows the slot it lies in (values and peaks stay exact); squeezed, each shows the
    mean of the slots under it, weighted by how much of each it covers."""
    count = len(values)
    if count == 0 or width <= 0:
        return []
    if width >= count:
        return [values[column * count // width] for column in range(width)]
    prefix = [0.0]
    for value in values:
        prefix.append(prefix[-1] + value)

    def integral(position: int) -> float:  # the sum of values up to position / width slots
        whole, part = divmod(position, width)
        return prefix[whole] + (values[whole] * part / width if part else 0.0)

    return [
        (integral((column + 1) * count) - integral(column * count)) * width / count
        for column in range(width)
    ]


def bar_cells(value: float, scale: float, rows: int) -> list[int]:
    """Eighths filled in each of ``rows`` cells, nearest the axis first."""
    eighths = round(value / scale * rows * 8) if scale > 0 else 0
    if value > 0 and eighths == 0:
        eighths = 1  # any traffic shows
    return [max(0, min(8, eighths - 8 * row)) for row in range(rows)]


def block(fill: int, fancy: bool) -> str:
    """A cell filled ``fill`` eighths from the bottom (ASCII stand-ins on other terminals)."""
    return LOWER_BLOCKS[fill] if fancy else (" ", ".", "#")[min(2, (fill + 3) // 4)]


def runs(cells: Sequence[tuple[Attr, str]]) -> Markup:
    """Adjacent cells of one attribute merged into one text run."""
    merged: Markup = []
    for attr, char in cells:
        if merged and merged[-1][0] is attr:
            merged[-1] = (attr, merged[-1][1] + char)
        else:
            merged.append((attr, char))
    return merged


def time_axis(seconds: float, width: int, fancy: bool) -> str:
    """A ``width``-column line for the last ``seconds``: ``-60s───-45s───…───now``."""
    line = list(("─" if fancy else "-") * width)
    if seconds <= 0 or width <= 0:
        return "".join(line)
    step = next((s for s in TICK_STEPS if s * width >= MIN_TICK_SPACING * seconds), TICK_STEPS[-1])
    ticks = [(int(seconds), f"-{seconds:.0f}s")]
    ticks += [(age, f"-{age}s") for age in range(int(seconds) // step * step, 0, -step)]
    free = 0
    for age, label in ticks:
        column = round((seconds - age) * width / seconds)
        if column >= free and column + len(label) <= width - len("now") - 1:
            line[column : column + len(label)] = label
            free = column + len(label) + 1
    if width >= len("now"):
        line[width - len("now") :] = "now"
    return "".join(line)


def graph_lines(
    inbound: Sequence[float], outbound: Sequence[float], size: tuple[int, int], unit: Units
) -> list[Markup]:
    """The last minute over the whole width, mirrored on a time axis: IN grows up from it, OUT
    down, each on its own scale (its top labelled), so a small upload is as readable as a big
    download."""
    maxcol, maxrow = size
    plot = max(1, maxcol - GRAPH_LABEL - 1)
    values_in, values_out = resample(inbound, plot), resample(outbound, plot)
    scale_in, scale_out = max(values_in, default=0.0), max(values_out, default=0.0)
    axis_rows = 1 if maxrow >= 3 else 0
    up_rows = max(1, (maxrow - axis_rows + 1) // 2)
    down_rows = max(0, maxrow - axis_rows - up_rows)
    pad = plot - len(values_in)
    fancy = unicode_screen()
    in_cells = [bar_cells(v, scale_in, up_rows) for v in values_in]
    out_cells = [bar_cells(v, scale_out, down_rows) for v in values_out]
    labels = (f"IN {units.rate(scale_in, unit)}", f"OUT {units.rate(scale_out, unit)}")
    lines: list[Markup] = []
    for row in range(up_rows):
        level = up_rows - 1 - row  # cells above the axis, counted from it
        cells = [(Attr.BODY, " ")] * pad
        cells += [(Attr.GRAPH_IN, block(column[level], fancy)) for column in in_cells]
        label = labels[0] if row == 0 else ""
        lines.append([(Attr.IN, label.rjust(GRAPH_LABEL)), (Attr.AXIS, "│"), *runs(cells)])
    if axis_rows:
        axis = time_axis(len(inbound), plot, fancy)
        lines.append([(Attr.AXIS, " " * GRAPH_LABEL + ("┼" if fancy else "+") + axis)])
    for row in range(down_rows):
        cells = [(Attr.BODY, " ")] * pad
        for column in out_cells:
            fill = column[row]
            if not fancy:
                cells.append((Attr.GRAPH_OUT, (" ", "'", "#")[min(2, (fill + 3) // 4)]))
            elif fill in (0, 8):
                cells.append((Attr.GRAPH_OUT, LOWER_BLOCKS[fill]))
            else:  # the top ``fill`` eighths: a lower block in the background colour, inverted
                cells.append((Attr.GRAPH_OUT_FILL, LOWER_BLOCKS[8 - fill]))
        label = labels[1] if row == down_rows - 1 else ""
        lines.append([(Attr.OUT, label.rjust(GRAPH_LABEL)), (Attr.AXIS, "│"), *runs(cells)])
    return lines


class RateGraph(urwid.Widget):
    """A box widget: the IN/OUT rates of the last minute over its whole width."""

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


def footer_markup(
    items: Sequence[tuple[str, str]], width: int | None = None, typing: bool = False
) -> Markup:
    """The keys of the current view: `` q quit  d DB ...``, closer together when that does
    not fit in ``width`` columns; led by `` TYPING `` while a text field takes the keys."""
    lead: Markup = [(Attr.TYPING, " TYPING ")] if typing else []
    roomy: Markup = list(lead)
    for key, label in items:
        roomy += [(Attr.FOOTER_KEY, f" {key} "), (Attr.FOOTER, f"{label} ")]
    if width is None or sum(len(text) for _, text in roomy) <= width:
        return roomy
    compact: Markup = list(lead)
    for key, label in items:
        compact += [(Attr.FOOTER_KEY, key), (Attr.FOOTER, f" {label} ")]
    return compact


def text_line(markup: Markup, attr: Attr = Attr.BODY) -> urwid.Widget:
    """A one-line flow widget (clipped) with its background in ``attr``."""
    return urwid.AttrMap(urwid.Text(list(markup) or "", wrap=urwid.WrapMode.CLIP), attr)
