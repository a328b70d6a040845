"""The history screen: a date range and the pivot of stored traffic, a per-second protocol chart."""

from __future__ import annotations

import urwid

from ntc_tui.report import Resolution
from ntc_tui.report.export import iso_day
from ntc_tui.ui import units
from ntc_tui.ui.historymodel import HistoryResult, pivot_cells
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.screens.forms import Field, Form, FormScreen
from ntc_tui.ui.units import Units
from ntc_tui.ui.viewmodel import Markup, scroll_status
from ntc_tui.ui.widgets import (
    Column,
    bar_cells,
    block,
    column_widths,
    lines_canvas,
    resample,
    table_line,
    unicode_screen,
)

ADDRESS = Column("", min_width=15, max_width=39)
VOLUME = Column("volume", 7, align_right=True)  # compact: more days fit
PACKETS = Column("pkts", 6, align_right=True)
DAY_BLOCK = (VOLUME.width or 0) + (PACKETS.width or 0) + 2  # the two columns and their gaps
CHART_LABEL = 18  # "TCP       6.10 MB "
CHART_PEAK = 10  # " 143 kB/s": each band's own top, right of it
FAR = 1 << 30  # an index past any end (kept in range when drawn)


class PivotTable(urwid.Widget):
    """A box widget: (source, destination) rows with a volume and packets column per day, as
    many days as fit from ``first_day``, then the totals; rows from ``offset``."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self) -> None:
        super().__init__()
        self.result: HistoryResult | None = None
        self.offset = 0
        self.first_day = 0  # index into pivot.days
        self.page_rows = 1
        self.busy = False  # a query is running

    def set_data(self, result: HistoryResult | None, reset: bool) -> None:
        """Show ``result`` (from its first row and its last days when ``reset``)."""
        self.result = result
        if reset:
            self.offset, self.first_day = 0, FAR
        self._invalidate()

    def scroll(self, delta: int) -> None:
        """Move ``delta`` rows (kept in range at render)."""
        self.offset = max(0, self.offset + delta)
        self._invalidate()

    def shift_days(self, delta: int) -> None:
        """Show later (positive) or earlier days."""
        self.first_day = max(0, self.first_day + delta)
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        maxcol, maxrow = size
        self.page_rows = max(1, maxrow - 3)
        result = self.result
        if self.busy or result is None or not result.pivot.rows:
            if self.busy:
                status = "reading the stored history…"
            elif result is None:
                status = "Enter reads the stored history of these dates"
            else:
                status = "nothing stored for these dates"
            return lines_canvas([[(Attr.DIM, status)]], size)
        pivot = result.pivot
        fits = max(1, (maxcol - 2 * (ADDRESS.min_width + 1) - DAY_BLOCK) // DAY_BLOCK)
        shown_days = min(fits, len(pivot.days))
        self.first_day = max(0, min(self.first_day, len(pivot.days) - shown_days))
        self.offset = max(0, min(self.offset, len(pivot.rows) - self.page_rows))
        days = pivot.days[self.first_day : self.first_day + shown_days]
        columns = [ADDRESS, ADDRESS] + [VOLUME, PACKETS] * (len(days) + 1)
        widths = column_widths(columns, maxcol)
        most, width = result.most_packets, PACKETS.width or 0
        counts = [units.count_style(most.get(day, 0), width) for day in days]
        counts.append(units.count_style(result.most_packets_overall, width))
        spans = [iso_day(day).center(DAY_BLOCK - 1) for day in days] + [
            "all days".center(DAY_BLOCK - 1)
        ]
        address_room = widths[0] + widths[1] + 2
        shown = min(self.page_rows, len(pivot.rows) - self.offset)
        rows = scroll_status(self.offset, shown, len(pivot.rows))
        last = self.first_day + len(days)
        status = f"{rows} · days {self.first_day + 1}–{last} of {len(pivot.days)} (←/→ days)"
        lines: list[Markup] = [
            [(Attr.DIM, status)],
            [(Attr.TABLE_HEAD, (" " * address_room + " ".join(spans)).ljust(maxcol))],
            table_line(
                ("source", "destination", *([VOLUME.title, PACKETS.title] * (len(days) + 1))),
                columns,
                widths,
                Attr.TABLE_HEAD,
            ),
        ]
        for row in pivot.rows[self.offset : self.offset + self.page_rows]:
            lines.append(table_line(pivot_cells(row, days, counts), columns, widths))
        return lines_canvas(lines, size)


def chart_lines(
    result: HistoryResult | None, size: tuple[int, int], unit: Units, utc: bool
) -> list[Markup]:
    """One band per protocol (largest first) of its mean rate per column over the whole width,
    each band on its own scale, its top written at the right of its last line; then the time
    axis."""
    maxcol, maxrow = size
    if result is None:
        return []
    chart = result.chart
    if not chart.series:
        return [[(Attr.DIM, "no protocol statistics stored for this interval")]]
    plot = max(1, maxcol - CHART_LABEL - CHART_PEAK)
    bands = list(chart.series.items())[: max(1, maxrow - 1)]
    band_rows = max(1, min(3, (maxrow - 1) // len(bands)))
    fancy = unicode_screen()
    lines: list[Markup] = []
    for index, (name, series) in enumerate(bands):
        attr = Attr.GRAPH_IN if index % 2 == 0 else Attr.GRAPH_OUT
        rates = [nbytes / chart.step for nbytes in resample(series, plot)]
        top = max(rates, default=0.0)
        columns = [bar_cells(rate, top, band_rows) for rate in rates]
        for row in range(band_rows):
            level = band_rows - 1 - row
            chars = "".join(block(cells[level], fancy) for cells in columns)
            bottom = row == band_rows - 1  # the band's labels: its name, volume and top
            label = f"{name:<8}{units.volume(sum(series)):>9}" if bottom else ""
            peak = units.rate(top, unit) if bottom else ""
            lines.append(
                [
                    (Attr.LABEL, label.ljust(CHART_LABEL)),
                    (attr, chars),
                    (Attr.DIM, peak.rjust(CHART_PEAK)),
                ]
            )
    slots = len(next(iter(chart.series.values())))
    first = units.clock_text(chart.start, utc)
    last = units.clock_text(chart.start + chart.seconds, utc)
    room = plot - len(first) - len(last)
    middle = f" {units.seconds_text(slots * chart.step / plot)} per column "
    axis = first + (middle if len(middle) <= room else "").center(max(0, room)) + last
    lines.append([(Attr.AXIS, " " * CHART_LABEL + axis)])
    return lines


class ProtocolChart(urwid.Widget):
    """A box widget: the chart of ``chart_lines``."""

    _sizing = frozenset([urwid.Sizing.BOX])

    def __init__(self, utc: bool) -> None:
        super().__init__()
        self.utc = utc
        self.result: HistoryResult | None = None
        self.unit = Units.BYTES

    def set_data(self, result: HistoryResult | None, unit: Units) -> None:
        """Chart ``result``'s interval."""
        self.result, self.unit = result, unit
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        return lines_canvas(chart_lines(self.result, size, self.unit, self.utc), size)


class HistoryScreen(FormScreen):
    """The form (dates, chart interval), the pivot of those dates, the protocol chart."""

    def __init__(self, utc: bool) -> None:
        self.first = urwid.Edit()
        self.last = urwid.Edit()
        self.chart_start = urwid.Edit()
        self.chart_seconds = urwid.Edit()
        self.pivot = PivotTable()
        self.chart = ProtocolChart(utc)
        self.chart_title = urwid.Text("", wrap=urwid.WrapMode.CLIP)
        results = urwid.Pile(
            [
                (urwid.WEIGHT, 3, self.pivot),
                (urwid.PACK, urwid.AttrMap(self.chart_title, Attr.SECTION)),
                (urwid.WEIGHT, 2, self.chart),
            ]
        )
        self.form = Form(
            [
                [Field("from", self.first, 10), Field("to", self.last, 10)],
                [
                    Field("chart from", self.chart_start, 19),
                    Field("seconds", self.chart_seconds, 7),
                ],
            ],
            results,
        )
        title = urwid.Text(
            (Attr.SECTION, "History: bytes and packets per day and pair; protocols per second"),
            wrap=urwid.WrapMode.CLIP,
        )
        body = urwid.Pile(
            [
                (urwid.PACK, title),
                (urwid.PACK, self.form.slot),
                (urwid.WEIGHT, 1, self.form.below),
            ]
        )
        self.form.attach(body)
        super().__init__(urwid.AttrMap(body, Attr.BODY))

    def fill(self, first: str, last: str, chart_start: str, chart_seconds: int) -> None:
        """Set the form's fields (the cursor at the end of each, ready to correct)."""
        for edit, text in (
            (self.first, first),
            (self.last, last),
            (self.chart_start, chart_start),
            (self.chart_seconds, str(chart_seconds)),
        ):
            edit.set_edit_text(text)
            edit.set_edit_pos(len(text))

    def values(self) -> tuple[str, str, str, str]:
        """The form's fields as typed."""
        return (
            self.first.edit_text,
            self.last.edit_text,
            self.chart_start.edit_text,
            self.chart_seconds.edit_text,
        )

    def show(
        self, result: HistoryResult | None, unit: Units, busy: bool, reset: bool = False
    ) -> None:
        """Show ``result`` (None: nothing read yet); ``busy`` while a query runs."""
        self.pivot.busy = busy
        self.pivot.set_data(result, reset)
        self.chart.set_data(result, unit)
        if result is None:
            self.chart_title.set_text("protocols: mean rate per column, each row to its own top")
        else:
            query = result.query
            stored = " (stored per minute)" if query.chart_resolution is Resolution.MINUTE else ""
            self.chart_title.set_text(
                f"protocols over {query.chart_seconds} s{stored}: mean rate per column, "
                "each row to its own top (right)"
            )
