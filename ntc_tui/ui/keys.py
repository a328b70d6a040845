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
    DELETE_START = "delete to the start"
    DELETE_WORD = "delete a word"


@dataclass(frozen=True)
class Binding:
    """One line of the key table."""

    keys: tuple[str, ...]  # urwid key names
    action: Action
    description: str  # the help's sentence
    views: frozenset[View]
    footer: str | None = None  # the footer's label on those views (None: help only)
    editing: bool = False  # acts on the text field being typed in: in the footer only then


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
        "DB persistence on/off (off: saves what was collected first)",
        BROWSING,
        "DB",
    ),
    Binding(
        ("i",),
        Action.IMPORT,
        "import screen: import files while the capture goes on",
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
    Binding(
        ("u",),
        Action.UNITS,
        "rates in bytes or bits per second; volumes stay in bytes",
        BROWSING,
        "units",
    ),
    Binding(("?", "h"), Action.HELP, "this help (again: close it)", ALL, "help"),
    Binding(("up",), Action.UP, "scroll up a line", SCROLLING),
    Binding(("down",), Action.DOWN, "scroll down a line", SCROLLING),
    Binding(("page up",), Action.PAGE_UP, "scroll up a page", SCROLLING),
    Binding(("page down",), Action.PAGE_DOWN, "scroll down a page", SCROLLING),
    Binding(("home",), Action.TOP, "scroll to the top", SCROLLING),
    Binding(("end",), Action.BOTTOM, "scroll to the end", SCROLLING),
    Binding(("esc",), Action.BACK, "back to the live screen (an import goes on)", FORMS, "back"),
    Binding(("esc",), Action.BACK, "close this help", frozenset({View.HELP}), "back"),
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
    Binding(
        ("ctrl u",),
        Action.DELETE_START,
        "clear the text field before the cursor (at its end: all)",
        FORMS,
        "clear",
        editing=True,
    ),
    Binding(
        ("ctrl w",),
        Action.DELETE_WORD,
        "delete the word before the cursor in the text field",
        FORMS,
        "word",
        editing=True,
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
    "ctrl u": "^U",
    "ctrl w": "^W",
}
# The help's groups: a binding is listed under the largest group of views it acts on all of
# (the rest of its views under smaller ones); shown in this order.
HELP_GROUPS: tuple[tuple[str, frozenset[View]], ...] = (
    ("Every screen", BROWSING),
    ("Live screen", frozenset({View.LIVE})),
    ("Import screen", frozenset({View.IMPORT})),
    ("History screen", frozenset({View.HISTORY})),
    ("Import and history forms", FORMS),
    ("This help", frozenset({View.HELP})),
)


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
    only the keys that still act there (and the field's own editing keys)."""
    return [
        (key_label(binding.keys[0]), binding.footer)
        for binding in table
        if view in binding.views
        and binding.footer
        and not (typing and typed(binding.keys[0]))
        and (typing or not binding.editing)
    ]


def help_sections(table: Iterable[Binding] = KEY_TABLE) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help's text: per group of screens, (keys, description) of the bindings acting there;
    each binding once per group, global keys once."""
    listed: dict[str, list[tuple[str, str]]] = {title: [] for title, _ in HELP_GROUPS}
    largest_first = sorted(HELP_GROUPS, key=lambda group: -len(group[1]))
    for binding in table:
        left = set(binding.views)
        if left >= BROWSING:
            left.discard(View.HELP)  # a key of every screen works in the help too: once
        for title, views in largest_first:
            if views <= left:
                keys = " ".join(key_label(key) for key in binding.keys)
                listed[title].append((keys, binding.description))
                left -= views
    return [(title, rows) for title, rows in listed.items() if rows]
