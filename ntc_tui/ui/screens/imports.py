"""The import screen: a path and options, a progress bar, then what happened to each file."""

from __future__ import annotations

from collections.abc import Sequence

import urwid

from ntc_tui.ui.palette import Attr
from ntc_tui.ui.screens.forms import Field, Form, FormScreen
from ntc_tui.ui.viewmodel import Markup
from ntc_tui.ui.widgets import Column, Scroller, column_widths, table_line

SUMMARY_COLUMNS = [
    Column("file", min_width=16),
    Column("result", min_width=20),
    Column("packets", 9, align_right=True),
    Column("volume", 9, align_right=True),
]
FORMATS = "pcap, pcapng, tcpdump text; compressed or not"
PATH_HINT = "path: a file or folder, spaces and all; or several, quoted as in a shell"
RUNNING_HINT = "c cancels after the current batch; what is imported stays"


class NotedBar(urwid.ProgressBar):
    """A progress bar whose text can say how the work ended: ``cancelled at 41 %``."""

    note: str | None = None

    def get_text(self) -> str:
        done = super().get_text()
        return f"{self.note} at {done}" if self.note else done


class SummaryLines(urwid.Widget):
    """A flow widget: the per-file table laid out for the width it is given."""

    _sizing = frozenset([urwid.Sizing.FLOW])

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[tuple[str, ...], Attr]] = []

    def set_rows(self, rows: Sequence[tuple[tuple[str, ...], Attr]]) -> None:
        """Rows of (file, result, packets, volume) with their attribute; a row of one cell is
        a note under the file above (a reason for rejected lines)."""
        self.entries = list(rows)
        self._invalidate()

    def _lines(self, width: int) -> list[Markup]:
        widths = column_widths(SUMMARY_COLUMNS, width)
        lines = [
            table_line(
                tuple(c.title for c in SUMMARY_COLUMNS), SUMMARY_COLUMNS, widths, Attr.TABLE_HEAD
            )
        ]
        for cells, attr in self.entries:
            if len(cells) == 1:
                lines.append([(attr, f"    {cells[0]}"[:width])])
            else:
                lines.append(table_line(cells, SUMMARY_COLUMNS, widths, attr))
        return lines

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return len(self._lines(size[0]))

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        lines = self._lines(size[0])
        parts = [
            (urwid.Text(list(line) or "", wrap=urwid.WrapMode.CLIP).render(size), None, False)
            for line in lines
        ]
        return urwid.CanvasCombine(parts)


class ImportScreen(FormScreen):
    """Path field, options, start; while running, a progress bar and its figures; at the end,
    the per-file summary (imported, skipped with the reason, rejected lines by reason)."""

    def __init__(self, data_dir: str) -> None:
        self.path = urwid.Edit()
        self.recursive = urwid.CheckBox("folders recursively", state=True)
        self.force = urwid.CheckBox("again if already imported")
        self.date = urwid.Edit()
        self.bar = NotedBar(Attr.PROGRESS, Attr.PROGRESS_DONE)
        self.hint = urwid.Text(PATH_HINT)
        self.status = urwid.Text("")
        self.summary_lines = SummaryLines()
        self.summary = Scroller(self.summary_lines)
        self.form = Form(
            [
                [Field("path", self.path)],
                [Field("", self.recursive, 24), Field("", self.force, 30)],
                [Field("date of time-only text (YYYY-MM-DD)", self.date, 12)],
            ],
            self.summary,
        )
        self.title = urwid.Text("")
        self.set_data_dir(data_dir)
        body = urwid.Pile(
            [
                (urwid.PACK, urwid.AttrMap(self.title, Attr.SECTION)),
                (urwid.PACK, self.form.slot),
                (urwid.PACK, urwid.AttrMap(self.hint, Attr.DIM)),
                (urwid.PACK, urwid.Divider()),
                (urwid.PACK, self.bar),
                (urwid.PACK, self.status),
                (urwid.PACK, urwid.Divider()),
                (urwid.WEIGHT, 1, self.form.below),
            ]
        )
        self.form.attach(body)
        super().__init__(urwid.AttrMap(body, Attr.BODY))

    def set_data_dir(self, data_dir: str) -> None:
        """Name the directory the import writes to."""
        self.title.set_text(f"Import traffic files ({FORMATS}) into {data_dir}")

    @property
    def running(self) -> bool:
        """Whether the form is replaced by the running import's description."""
        return self.form.slot.original_widget is not self.form.rows

    def set_running(self, description: str | None) -> None:
        """While an import runs the form shows what is being imported (None: the form again)."""
        if description is None:
            self.form.show_instead(None)
            self.hint.set_text(PATH_HINT)
        else:
            text = urwid.Text([(Attr.LABEL, "importing "), (Attr.BODY, description)])
            self.form.show_instead(urwid.Pile([text, urwid.Divider(), urwid.Divider()]))
            self.hint.set_text(RUNNING_HINT)

    def show_progress(self, fraction: float, line: Markup, note: str | None = None) -> None:
        """The bar at ``fraction`` (0–1), its text led by ``note`` (how the import ended), and
        the figures under it."""
        self.bar.note = note
        self.bar.set_completion(max(0.0, min(1.0, fraction)) * self.bar.done)
        self.status.set_text(list(line) or "")

    def show_summary(self, rows: Sequence[tuple[tuple[str, ...], Attr]]) -> None:
        """The per-file results."""
        self.summary_lines.set_rows(rows)
        self.summary.set_content(self.summary_lines)
