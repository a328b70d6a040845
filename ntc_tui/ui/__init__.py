"""The urwid dashboard: the only package that imports urwid."""
