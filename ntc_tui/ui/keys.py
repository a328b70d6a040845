"""The key table as data: keys, action, description and views; the footer and help come from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class View(StrEnum):
    """What the dashboard shows; keys act per view."""

    LIVE = "live"
    IMPORT = "import"
    HISTORY = "history"
    HELP = "help"


class Action(StrEnum):
    """What a key does; the app has one handler per action."""

    QUIT = "quit"
    PERSISTENCE = "persistence"
    IMPORT = "import"
    HISTORY = "history"
    PAUSE = "pause"
    SORT = "sort"
    UNITS = "units"
    HELP = "help"
    UP = "up"
    DOWN = "down"
    PAGE_UP = "page up"
    PAGE_DOWN = "page down"
    TOP = "top"
    BOTTOM = "bottom"
    BACK = "back"
    START = "start"
    CANCEL = "cancel"
    NEXT_FIELD = "next field"
    EARLIER = "earlier"
    LATER = "later"


@dataclass(frozen=True)
class Binding:
    """One line of the key table."""

    keys: tuple[str, ...]  # urwid key names
    action: Action
    description: str  # the help's sentence
    views: frozenset[View]
    footer: str | None = None  # the footer's label on those views (None: help only)


ALL = frozenset(View)
BROWSING = frozenset({View.LIVE, View.IMPORT, View.HISTORY})
SCROLLING = frozenset({View.LIVE, View.IMPORT, View.HISTORY, View.HELP})
FORMS = frozenset({View.IMPORT, View.HISTORY})

KEY_TABLE: tuple[Binding, ...] = (
    Binding(
        ("q",), Action.QUIT, "quit: stop capturing, save, write the session report", ALL, "quit"
    ),
    Binding(
        ("d",),
        Action.PERSISTENCE,
        "DB persistence on/off (turning it off saves what was collected)",
        BROWSING,
        "DB",
    ),
    Binding(
        ("i",),
        Action.IMPORT,
        "import screen: import traffic files while the capture goes on",
        frozenset({View.LIVE, View.HISTORY}),
        "import",
    ),
    Binding(
        ("r",),
        Action.HISTORY,
        "history screen: stored traffic per day, protocols per second",
        frozenset({View.LIVE, View.IMPORT}),
        "history",
    ),
    Binding(
        ("p",),
        Action.PAUSE,
        "pause or resume the display (the capture goes on)",
        frozenset({View.LIVE}),
        "pause",
    ),
    Binding(
        ("s",),
        Action.SORT,
        "sort the top connections by bytes, packets or rate",
        frozenset({View.LIVE}),
        "sort",
    ),
    Binding(("u",), Action.UNITS, "volumes and rates in bytes or bits", BROWSING, "units"),
    Binding(("?", "h"), Action.HELP, "this help (again: close it)", ALL, "help"),
    Binding(("up",), Action.UP, "scroll up a line", SCROLLING),
    Binding(("down",), Action.DOWN, "scroll down a line", SCROLLING),
    Binding(("page up",), Action.PAGE_UP, "scroll up a page", SCROLLING),
    Binding(("page down",), Action.PAGE_DOWN, "scroll down a page", SCROLLING),
    Binding(("home",), Action.TOP, "scroll to the top", SCROLLING),
    Binding(("end",), Action.BOTTOM, "scroll to the end", SCROLLING),
    Binding(
        ("esc",),
        Action.BACK,
        "back to the live screen (an import goes on)",
        frozenset({View.IMPORT, View.HISTORY, View.HELP}),
        "back",
    ),
    Binding(
        ("enter",),
        Action.START,
        "start: import the path / show the chosen dates and interval",
        FORMS,
        "start",
    ),
    Binding(
        ("c",),
        Action.CANCEL,
        "cancel the running import (what is imported stays)",
        frozenset({View.IMPORT}),
        "cancel",
    ),
    Binding(
        ("tab",), Action.NEXT_FIELD, "next field (after the last: the results)", FORMS, "field"
    ),
    Binding(("left",), Action.EARLIER, "earlier days of the pivot", frozenset({View.HISTORY})),
    Binding(("right",), Action.LATER, "later days of the pivot", frozenset({View.HISTORY})),
)

# How keys are written in the footer and the help.
_KEY_LABELS = {
    "up": "↑",
    "down": "↓",
    "page up": "PgUp",
    "page down": "PgDn",
    "home": "Home",
    "end": "End",
    "esc": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "left": "←",
    "right": "→",
}
VIEW_TITLES = {
    View.LIVE: "Live screen",
    View.IMPORT: "Import screen",
    View.HISTORY: "History screen",
    View.HELP: "This help",
}


def key_label(key: str) -> str:
    """How a key is written on screen."""
    return _KEY_LABELS.get(key, key)


def lookup(view: View, key: str, table: Iterable[Binding] = KEY_TABLE) -> Action | None:
    """The action of ``key`` on ``view``, None if the key does nothing there."""
    for binding in table:
        if view in binding.views and key in binding.keys:
            return binding.action
    return None


def duplicates(table: Iterable[Binding] = KEY_TABLE) -> list[tuple[View, str]]:
    """(view, key) pairs bound more than once: the table must have none."""
    seen: set[tuple[View, str]] = set()
    repeated = []
    for binding in table:
        for view in sorted(binding.views):
            for key in binding.keys:
                if (view, key) in seen:
                    repeated.append((view, key))
                seen.add((view, key))
    return repeated


def typed(key: str) -> bool:
    """Whether ``key`` is a character a text field takes (then it does not act as a command)."""
    return len(key) == 1 and key.isprintable()


def footer_items(
    view: View, typing: bool = False, table: Iterable[Binding] = KEY_TABLE
) -> list[tuple[str, str]]:
    """(key, label) of the footer on ``view``, in table order; while ``typing`` in a text field,
    only the keys that still act there."""
    return [
        (key_label(binding.keys[0]), binding.footer)
        for binding in table
        if view in binding.views and binding.footer and not (typing and typed(binding.keys[0]))
    ]


def help_sections(table: Iterable[Binding] = KEY_TABLE) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help's text: per view, (keys, description) of every binding that acts there."""
    bindings = list(table)
    return [
        (
            VIEW_TITLES[view],
            [
                (" ".join(key_label(key) for key in binding.keys), binding.description)
                for binding in bindings
                if view in binding.views
            ],
        )
        for view in View
    ]
