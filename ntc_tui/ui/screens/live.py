"""The live screen: totals and rates, the minute's graph, protocols, max activity, top pairs."""

from __future__ import annotations

import urwid

from ntc_tui.aggregate import PairRow, Snapshot
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import (
    PROTOCOL_HEAD,
    TOTALS_HEAD,
    Markup,
    Row,
    pair_cells,
    pair_counts,
    pair_extras,
    protocol_rows,
    scroll_status,
    shown_pairs,
    top_head,
    totals_rows,
)
from ntc_tui.ui.widgets import (
    Column,
    RateGraph,
    Table,
    column_widths,
    lines_canvas,
    table_line,
    unicode_screen,
)

WIDE = 110  # from this width: the protocols beside the graph, more columns for the pairs
PROTOCOL_TABLE_WIDTH = 34
TOTALS_ROWS = 3  # titles, IN, OUT
GRID_ROWS = 2  # protocol rows under the graph on narrow screens
GRID_GAP = 3
LEFT_EIGHTHS = " ▏▎▍▌▋▊▉█"  # index = eighths of a cell filled from the left
TOTALS_COLUMNS = [Column(title, align_right=bool(title), min_width=8) for title in TOTALS_HEAD]
PROTOCOL_COLUMNS = [
    Column(PROTOCOL_HEAD[0], 8),
    Column(PROTOCOL_HEAD[1], 9, align_right=True),
    Column(PROTOCOL_HEAD[2], 7, align_right=True),
    Column(PROTOCOL_HEAD[3], 6, align_right=True),
]
PROTOCOL_ENTRY = sum(c.width or 0 for c in PROTOCOL_COLUMNS) + len(PROTOCOL_COLUMNS) - 1
ADDRESS_WIDTH = 39  # the longest IPv6 address; more room goes to other columns
PAIR_COLUMNS = [
    Column("", 5, align_right=True),
    Column("source", min_width=15, max_width=ADDRESS_WIDTH),
    Column("destination", min_width=15, max_width=ADDRESS_WIDTH),
    Column("volume", 8, align_right=True),
    Column("packets", 8, align_right=True),
    Column("rate", 9, align_right=True),
]
PACKETS_COLUMN = 4
WIDE_PAIR_COLUMNS = [
    *PAIR_COLUMNS,
    Column("share", 6, align_right=True),
    Column("avg pkt", 8, align_right=True),
    Column("", min_width=8),  # a bar of the pair's volume against the busiest pair's
]


def volume_bar(nbytes: int, largest: int, width: int) -> str:
    """``nbytes`` against ``largest`` as a bar of ``width`` cells, in eighths of a cell."""
    eighths = round(nbytes / largest * width * 8) if largest > 0 else 0
    if not unicode_screen():
        return "#" * ((eighths + 4) // 8)
    whole, part = divmod(max(0, min(eighths, width * 8)), 8)
    return "█" * whole + (LEFT_EIGHTHS[part] if part else "")


class PairsPanel(urwid.Widget):
    """A box widget: the top table's titles, max activity and its reverse, then the ranked pairs
    from the scroll offset; wide screens add each pair's share, mean packet and a volume bar."""

    _sizing = frozenset([urwid.Sizing.BOX])
    FIXED_ROWS = 4  # titles, max activity, reverse, the ranking's status line

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None
        self.unit = Units.BYTES
        self.page_rows = 1  # ranked rows shown by the last render

    def set_data(self, snapshot: Snapshot, unit: Units) -> None:
        """Show ``snapshot``'s pairs."""
        self.snapshot, self.unit = snapshot, unit
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        maxcol, maxrow = size
        self.page_rows = max(1, maxrow - self.FIXED_ROWS)
        snapshot = self.snapshot
        if snapshot is None:
            return lines_canvas([], size)
        columns = WIDE_PAIR_COLUMNS if maxcol >= WIDE else PAIR_COLUMNS
        widths = column_widths(columns, maxcol)
        shown = min(len(snapshot.top), self.page_rows)
        counts = pair_counts(shown_pairs(snapshot, shown), widths[PACKETS_COLUMN])
        session_bytes = snapshot.inbound.bytes + snapshot.outbound.bytes
        largest = snapshot.busiest.bytes if snapshot.busiest else 0

        def cells(label: str, row: PairRow) -> Row:
            base = (label, *pair_cells(row, self.unit, counts))
            if columns is PAIR_COLUMNS:
                return base
            bar = volume_bar(row.bytes, largest, widths[-1])
            return (*base, *pair_extras(row, session_bytes), bar)

        titles = ("", *top_head(snapshot.sort), *(c.title for c in columns[len(PAIR_COLUMNS) :]))
        lines: list[Markup] = [table_line(titles, columns, widths, Attr.TABLE_HEAD)]
        extremes = (("max", snapshot.busiest), ("rev", snapshot.busiest_reverse))
        for label, pair in extremes:
            if pair is not None:
                lines.append(table_line(cells(label, pair), columns, widths, Attr.BUSIEST))
            else:
                what = "no traffic yet" if label == "max" else "(no traffic back)"
                lines.append([(Attr.LABEL, f"{label:>5} "), (Attr.DIM, what)])
        status = scroll_status(snapshot.top_offset, shown, snapshot.pair_count)
        lines.append(
            [
                (Attr.SECTION, f"top connections by {snapshot.sort.value}"),
                (Attr.DIM, f" · {status}"),
            ]
        )
        for rank, row in enumerate(snapshot.top[:shown], start=snapshot.top_offset + 1):
            lines.append(table_line(cells(str(rank), row), columns, widths))
        return lines_canvas(lines, size)


class ProtocolTable(urwid.Widget):
    """A box widget: the session's protocols as a table of as many rows as fit."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.table = Table(PROTOCOL_COLUMNS)
        self.snapshot: Snapshot | None = None

    def set_data(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``'s protocols."""
        self.snapshot = snapshot
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        rows = protocol_rows(self.snapshot, max(1, size[1] - 1)) if self.snapshot else []
        self.table.set_rows(rows)
        return self.table.render(size, focus)


def abreast(width: int) -> int:
    """How many protocols side by side fit in ``width`` columns."""
    return max(1, (width + GRID_GAP) // (PROTOCOL_ENTRY + GRID_GAP))


def grid_lines(rows: list[Row], width: int) -> list[Markup]:
    """Protocol rows laid out side by side, as many abreast as ``width`` holds, under a title
    line: a table of bytes, packets and share in few lines (narrow screens)."""
    across = abreast(width)
    widths = [c.width or 0 for c in PROTOCOL_COLUMNS]
    gap = (Attr.BODY, " " * GRID_GAP)
    title = table_line(PROTOCOL_HEAD, PROTOCOL_COLUMNS, widths, Attr.TABLE_HEAD)
    lines: list[Markup] = [[part for n in range(across) for part in ([gap] if n else []) + title]]
    if not rows:
        return [*lines, [(Attr.DIM, "no packets yet")]]
    for start in range(0, len(rows), across):
        line: Markup = []
        for n, row in enumerate(rows[start : start + across]):
            line += ([gap] if n else []) + table_line(row, PROTOCOL_COLUMNS, widths, Attr.LABEL)
        lines.append(line)
    return lines


class ProtocolGrid(urwid.Widget):
    """A box widget: the session's protocols in a few lines, side by side (narrow screens)."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: Snapshot | None = None

    def set_data(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``'s protocols."""
        self.snapshot = snapshot
        self._invalidate()

    def lines(self, width: int) -> list[Markup]:
        """The grid laid out for ``width`` columns."""
        if self.snapshot is None:
            return []
        rows = protocol_rows(self.snapshot, GRID_ROWS * abreast(width))
        return grid_lines(rows, width)

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        return lines_canvas(self.lines(size[0]), size)


class LiveScreen(urwid.Widget):
    """A box widget laid out for its size: on narrow screens the protocols take a few lines
    under the graph, on wide ones a table beside it; the pairs get the rows left."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.totals = Table(TOTALS_COLUMNS)
        self.graph = RateGraph()
        self.protocols = ProtocolTable()
        self.grid = ProtocolGrid()
        self.pairs = PairsPanel()
        self._beside = urwid.Columns(
            [self.graph, (PROTOCOL_TABLE_WIDTH, self.protocols)], dividechars=2
        )

    @property
    def page_rows(self) -> int:
        """Ranked pairs on screen (one page for PgUp/PgDn)."""
        return self.pairs.page_rows

    def show(self, snapshot: Snapshot, unit: Units) -> None:
        """Draw ``snapshot`` in ``unit``."""
        self.totals.set_rows(totals_rows(snapshot, unit))
        self.graph.set_data(snapshot.inbound.rates.graph, snapshot.outbound.rates.graph, unit)
        self.protocols.set_data(snapshot)
        self.grid.set_data(snapshot)
        self.pairs.set_data(snapshot, unit)
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        maxcol, maxrow = size
        wide = maxcol >= WIDE
        totals = min(TOTALS_ROWS, maxrow)
        left = maxrow - totals
        grid = 0 if wide else min(len(self.grid.lines(maxcol)), left // 3)
        grid = grid if grid >= 2 else 0  # a title without protocols says nothing
        left -= grid
        graph = left // 3
        blocks: list[tuple[int, urwid.Widget]] = [
            (totals, self.totals),
            (graph, self._beside if wide else self.graph),
            (grid, self.grid),
            (left - graph, self.pairs),
        ]
        parts = [
            (part.render((maxcol, rows), focus), None, False) for rows, part in blocks if rows > 0
        ]
        return urwid.CanvasCombine(parts) if parts else lines_canvas([], size)
