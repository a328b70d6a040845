"""The urwid dashboard: the only package that imports urwid."""

from ntc_tui.ui.app import Outcome, run_dashboard
from ntc_tui.ui.units import Units

__all__ = ["Outcome", "Units", "run_dashboard"]
