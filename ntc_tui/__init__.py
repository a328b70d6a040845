"""ntc-tui: live interface dashboard, per-day traffic accounting, file import and reports."""

__version__ = "0.1.0"
