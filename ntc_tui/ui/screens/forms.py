"""Form fields of the import and history screens: labelled edits and check boxes, Tab order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import urwid

from ntc_tui.ui.palette import Attr


@dataclass(frozen=True)
class Field:
    """One input of a form: an edit or a check box, with its label and width (None: the rest)."""

    label: str
    widget: urwid.Edit | urwid.CheckBox
    width: int | None = None


def _cell(field: Field) -> urwid.Widget:
    if isinstance(field.widget, urwid.CheckBox):
        return urwid.AttrMap(field.widget, Attr.BODY, Attr.FIELD_FOCUS)
    styled = urwid.AttrMap(field.widget, Attr.FIELD, Attr.FIELD_FOCUS)
    if not field.label:
        return styled
    return urwid.Columns([(len(field.label) + 1, urwid.Text((Attr.LABEL, field.label))), styled])


def _sized(field: Field) -> urwid.Widget | tuple[int, urwid.Widget]:
    cell = _cell(field)
    if field.width is None:
        return cell
    return (field.width + (len(field.label) + 1 if field.label else 0), cell)


class Focusable(urwid.WidgetWrap[urwid.Widget]):
    """Lets a display-only widget hold the focus, so that no text field takes the keys."""

    def selectable(self) -> bool:
        return True

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]
        return key


class Form:
    """Rows of fields (``slot``) above a display-only area (``below``), both placed by the
    screen in one pile; Tab walks the fields, then the area. The slot can show something else
    instead of the fields (while an import runs)."""

    def __init__(self, rows: Sequence[Sequence[Field]], below: urwid.Widget) -> None:
        self.fields = [field for row in rows for field in row]
        self._places: list[tuple[int, int]] = [
            (r, c) for r, row in enumerate(rows) for c in range(len(row))
        ]
        self._columns = [
            urwid.Columns([_sized(field) for field in row], dividechars=3) for row in rows
        ]
        self.rows = urwid.Pile(self._columns)
        self.slot: urwid.WidgetPlaceholder[urwid.Widget] = urwid.WidgetPlaceholder(self.rows)
        self.below = Focusable(below)
        self._container = urwid.Pile([])

    def attach(self, container: urwid.Pile) -> None:
        """The pile that holds ``slot`` and ``below`` (the screen's body)."""
        self._container = container

    def show_instead(self, widget: urwid.Widget | None) -> None:
        """Show ``widget`` instead of the fields (None: the fields); the area gets the focus."""
        self.slot.original_widget = self.rows if widget is None else widget
        self.leave()

    @property
    def in_fields(self) -> bool:
        """Whether a field (not the area below) has the focus."""
        return self._container.focus is self.slot and self.slot.original_widget is self.rows

    def focused(self) -> Field | None:
        """The field with the focus, None when the area below has it."""
        if not self.in_fields:
            return None
        row = self.rows.focus_position
        column = self._columns[row].focus_position
        return self.fields[self._places.index((row, column))]

    @property
    def editing(self) -> bool:
        """Whether keys type into a text field."""
        field = self.focused()
        return field is not None and isinstance(field.widget, urwid.Edit)

    def delete_before_cursor(self, word: bool) -> None:
        """In the text field with the focus: delete everything before the cursor (Ctrl-U), or
        the word before it and the spaces after that word (Ctrl-W, as readline does)."""
        field = self.focused()
        if field is None or not isinstance(field.widget, urwid.Edit):
            return
        edit = field.widget
        text, cursor = edit.edit_text, edit.edit_pos
        start = 0
        if word:
            start = text.rfind(" ", 0, len(text[:cursor].rstrip(" "))) + 1
        edit.set_edit_text(text[:start] + text[cursor:])
        edit.set_edit_pos(start)

    def focus_field(self, index: int) -> None:
        """Give the focus to field ``index``."""
        row, column = self._places[index]
        if self.slot.original_widget is not self.rows:
            return
        self._container.focus_position = self._index_of(self.slot)
        self.rows.focus_position = row
        self._columns[row].focus_position = column

    def leave(self) -> None:
        """Give the focus to the area below (keys act as commands again)."""
        self._container.focus_position = self._index_of(self.below)

    def next_field(self) -> None:
        """Tab: the next field; after the last, the area below; after that, the first field."""
        field = self.focused()
        if field is None:
            self.focus_field(0)
        elif field is self.fields[-1]:
            self.leave()
        else:
            self.focus_field(self.fields.index(field) + 1)

    def _index_of(self, widget: urwid.Widget) -> int:
        for index, (child, _) in enumerate(self._container.contents):
            if child is widget:
                return index
        raise ValueError("the form is not in its container")


class FormScreen(urwid.WidgetWrap[urwid.Widget]):
    """A screen whose top is a form (the import and history screens)."""

    form: Form

    @property
    def editing(self) -> bool:
        """Whether keys type into a field."""
        return self.form.editing
