"""The live screen: totals and rates, the minute's graph, protocols, max activity, top pairs."""

from __future__ import annotations

import urwid

from ntc_tui.aggregate import Snapshot
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import (
    PROTOCOL_HEAD,
    TOTALS_HEAD,
    Markup,
    Row,
    busiest_lines,
    pair_cells,
    protocol_rows,
    protocol_summary,
    scroll_status,
    top_head,
    totals_rows,
)
from ntc_tui.ui.widgets import Column, RateGraph, Table, column_widths, lines_canvas, table_line

WIDE = 110  # from this width the protocols get a table beside the graph
PROTOCOL_TABLE_WIDTH = 34
TOTALS_COLUMNS = [Column(title, align_right=bool(title), min_width=8) for title in TOTALS_HEAD]
PROTOCOL_COLUMNS = [
    Column(PROTOCOL_HEAD[0], 8),
    Column(PROTOCOL_HEAD[1], 9, align_right=True),
    Column(PROTOCOL_HEAD[2], 7, align_right=True),
    Column(PROTOCOL_HEAD[3], 6, align_right=True),
]
PAIR_COLUMNS = [
    Column("", 5, align_right=True),
    Column("source", min_width=15),
    Column("destination", min_width=15),
    Column("volume", 8, align_right=True),
    Column("packets", 8, align_right=True),
    Column("rate", 9, align_right=True),
]


class PairsPanel(urwid.Widget):
    """A box widget: the top table's titles, max activity and its reverse, then the ranked pairs
    from the scroll offset."""

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
        widths = column_widths(PAIR_COLUMNS, maxcol)
        lines: list[Markup] = [
            table_line(("", *top_head(snapshot.sort)), PAIR_COLUMNS, widths, Attr.TABLE_HEAD)
        ]
        for label, cells in busiest_lines(snapshot, self.unit):
            if cells is None:
                what = "no traffic yet" if label == "max activity" else "(no traffic back)"
                lines.append([(Attr.LABEL, f"{label:>12}  "), (Attr.DIM, what)])
            else:
                short = "max" if label == "max activity" else "rev"
                lines.append(table_line((short, *cells), PAIR_COLUMNS, widths, Attr.BUSIEST))
        shown = min(len(snapshot.top), self.page_rows)
        status = scroll_status(snapshot.top_offset, shown, snapshot.pair_count)
        lines.append(
            [
                (Attr.SECTION, f"top connections by {snapshot.sort.value}"),
                (Attr.DIM, f" · {status}"),
            ]
        )
        for rank, row in enumerate(snapshot.top[:shown], start=snapshot.top_offset + 1):
            lines.append(table_line((str(rank), *pair_cells(row, self.unit)), PAIR_COLUMNS, widths))
        return lines_canvas(lines, size)


class LiveScreen(urwid.Widget):
    """A box widget laid out for its width: on narrow screens the protocols take one line under
    the graph, on wide ones a table beside it."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.totals = Table(TOTALS_COLUMNS)
        self.graph = RateGraph()
        self.protocols = Table(PROTOCOL_COLUMNS)
        self.protocol_line = urwid.Text("", wrap=urwid.WrapMode.CLIP)
        self.pairs = PairsPanel()
        self._narrow = urwid.Pile(
            [
                (3, self.totals),
                (urwid.WEIGHT, 1, self.graph),
                (urwid.PACK, urwid.AttrMap(self.protocol_line, Attr.LABEL)),
                (urwid.WEIGHT, 2, self.pairs),
            ]
        )
        self._wide = urwid.Pile(
            [
                (3, self.totals),
                (
                    urwid.WEIGHT,
                    1,
                    urwid.Columns(
                        [self.graph, (PROTOCOL_TABLE_WIDTH, self.protocols)], dividechars=2
                    ),
                ),
                (urwid.WEIGHT, 2, self.pairs),
            ]
        )

    @property
    def page_rows(self) -> int:
        """Ranked pairs on screen (one page for PgUp/PgDn)."""
        return self.pairs.page_rows

    def show(self, snapshot: Snapshot, unit: Units) -> None:
        """Draw ``snapshot`` in ``unit``."""
        self.totals.set_rows(totals_rows(snapshot, unit))
        self.graph.set_data(snapshot.inbound.rates.graph, snapshot.outbound.rates.graph, unit)
        rows: list[Row] = protocol_rows(snapshot, unit)
        self.protocols.set_rows(rows)
        self.protocol_line.set_text(f" protocols  {protocol_summary(snapshot)}")
        self.pairs.set_data(snapshot, unit)
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        layout = self._wide if size[0] >= WIDE else self._narrow
        return layout.render(size, focus)
