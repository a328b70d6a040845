"""The dashboard's colours as data: every display attribute a widget may use, and its colours."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Attr(StrEnum):
    """Display attribute names; widgets use only these (a test checks every rendered screen)."""

    BODY = "body"
    HEADER = "header"
    TITLE = "header.title"
    STATE_STARTING = "state.starting"
    STATE_RUNNING = "state.running"
    STATE_STOPPED = "state.stopped"
    STATE_ERROR = "state.error"
    DB_ON = "db.on"
    DB_OFF = "db.off"
    PAUSED = "paused"
    SECTION = "section"
    LABEL = "label"
    IN = "in"
    OUT = "out"
    GRAPH_IN = "graph.in"
    GRAPH_OUT = "graph.out"
    GRAPH_OUT_FILL = "graph.out.fill"  # OUT bars hang down: a lower block inverted
    AXIS = "axis"
    BUSIEST = "busiest"
    TABLE_HEAD = "table.head"
    DIM = "dim"
    ERROR = "error"
    NOTICE = "notice"
    FOOTER = "footer"
    FOOTER_KEY = "footer.key"
    TYPING = "footer.typing"  # the footer's mark while a text field takes the keys
    HELP = "help"
    HELP_TITLE = "help.title"
    HELP_KEY = "help.key"
    FIELD = "field"
    FIELD_FOCUS = "field.focus"
    PROGRESS = "progress"
    PROGRESS_DONE = "progress.done"


@dataclass(frozen=True)
class Colours:
    """One palette entry: 16-colour foreground and background (urwid names)."""

    attr: Attr
    foreground: str
    background: str


PALETTE: tuple[Colours, ...] = (
    Colours(Attr.BODY, "light gray", "black"),
    Colours(Attr.HEADER, "white", "dark blue"),
    Colours(Attr.TITLE, "yellow,bold", "dark blue"),
    Colours(Attr.STATE_STARTING, "yellow,bold", "dark blue"),
    Colours(Attr.STATE_RUNNING, "light green,bold", "dark blue"),
    Colours(Attr.STATE_STOPPED, "light gray", "dark blue"),
    Colours(Attr.STATE_ERROR, "white,bold", "dark red"),
    Colours(Attr.DB_ON, "black", "dark green"),
    Colours(Attr.DB_OFF, "black", "light gray"),
    Colours(Attr.PAUSED, "black", "yellow"),
    Colours(Attr.SECTION, "white,bold", "black"),
    Colours(Attr.LABEL, "dark cyan", "black"),
    Colours(Attr.IN, "light green", "black"),
    Colours(Attr.OUT, "light magenta", "black"),
    Colours(Attr.GRAPH_IN, "dark green", "black"),
    Colours(Attr.GRAPH_OUT, "dark magenta", "black"),
    Colours(Attr.GRAPH_OUT_FILL, "black", "dark magenta"),
    Colours(Attr.AXIS, "dark gray", "black"),
    Colours(Attr.BUSIEST, "yellow,bold", "black"),
    Colours(Attr.TABLE_HEAD, "black", "dark cyan"),
    Colours(Attr.DIM, "dark gray", "black"),
    Colours(Attr.ERROR, "light red,bold", "black"),
    Colours(Attr.NOTICE, "yellow", "black"),
    Colours(Attr.FOOTER, "black", "light gray"),
    Colours(Attr.FOOTER_KEY, "white,bold", "dark cyan"),
    Colours(Attr.TYPING, "black,bold", "light cyan"),
    Colours(Attr.HELP, "light gray", "dark blue"),
    Colours(Attr.HELP_TITLE, "yellow,bold", "dark blue"),
    Colours(Attr.HELP_KEY, "white,bold", "dark blue"),
    Colours(Attr.FIELD, "white", "dark gray"),
    Colours(Attr.FIELD_FOCUS, "black", "light cyan"),
    Colours(Attr.PROGRESS, "white", "dark gray"),
    Colours(Attr.PROGRESS_DONE, "black", "dark cyan"),
)


def urwid_palette() -> list[tuple[str, str, str]]:
    """The palette in the form urwid.MainLoop takes."""
    return [(str(entry.attr), entry.foreground, entry.background) for entry in PALETTE]
