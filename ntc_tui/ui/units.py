"""How the dashboard writes quantities: volumes in bytes, rates in bytes or bits, counts, times."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

_PREFIXES = ("", "k", "M", "G", "T", "P", "E")
_STEP = 1000.0  # decimal prefixes, as network rates are quoted (1 Mb/s = 1,000,000 bit/s)


class Units(StrEnum):
    """Rates in bytes or in bits per second (the `u` key switches); volumes stay in bytes."""

    BYTES = "bytes"
    BITS = "bits"

    def other(self) -> Units:
        """The other unit."""
        return Units.BITS if self is Units.BYTES else Units.BYTES

    @property
    def symbol(self) -> str:
        """B for bytes, b for bits."""
        return "B" if self is Units.BYTES else "b"


def _scaled(value: float) -> tuple[str, str]:
    """Three significant digits and the decimal prefix: (\"12.3\", \"M\")."""
    index = 0
    while abs(value) >= 999.5 and index < len(_PREFIXES) - 1:
        value /= _STEP
        index += 1
    if index == 0:
        return f"{value:.0f}", ""
    digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
    return f"{value:.{digits}f}", _PREFIXES[index]


def volume(nbytes: float) -> str:
    """A volume, always in bytes as iftop keeps its totals: ``12.3 MB``."""
    number, prefix = _scaled(nbytes)
    return f"{number} {prefix}B"


def rate(bytes_per_second: float, units: Units) -> str:
    """A rate, e.g. ``12.3 MB/s`` or ``98.4 Mb/s``."""
    value = bytes_per_second * 8 if units is Units.BITS else bytes_per_second
    number, prefix = _scaled(value)
    return f"{number} {prefix}{units.symbol}/s"


def count(number: int) -> str:
    """A count with thousands separators: ``12,345``."""
    return f"{number:,}"


def short_count(number: int) -> str:
    """A count in three significant digits and a decimal prefix: ``93``, ``62.9k``, ``1.23M``."""
    text, prefix = _scaled(number)
    return f"{text}{prefix}"


def count_style(largest: int, width: int) -> Callable[[int], str]:
    """One way of writing every count of a column whose largest is ``largest``: with thousands
    separators when that fits in ``width`` characters, else all with a decimal prefix."""
    return count if len(count(largest)) <= width else short_count


def duration(seconds: float) -> str:
    """Elapsed time as ``H:MM:SS``, with days in front past 24 hours: ``2d 03:04:05``."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours}:{minutes:02d}:{secs:02d}"


def seconds_text(seconds: float) -> str:
    """A span in seconds, two significant digits below ten: ``0.62 s``, ``1.4 s``, ``39 s``."""
    if seconds >= 9.95:
        return f"{seconds:.0f} s"
    return f"{seconds:.2g} s"


def moment_text(second: float, utc: bool) -> str:
    """Epoch seconds as YYYY-MM-DD HH:MM:SS (local time, or UTC)."""
    return time.strftime(
        "%Y-%m-%d %H:%M:%S", time.gmtime(second) if utc else time.localtime(second)
    )


def clock_text(second: float, utc: bool) -> str:
    """Epoch seconds as HH:MM:SS (local time, or UTC)."""
    return time.strftime("%H:%M:%S", time.gmtime(second) if utc else time.localtime(second))


def percent(ratio: float | None) -> str:
    """A ratio as a percentage with one decimal, ``n/a`` when unknown."""
    return "n/a" if ratio is None else f"{ratio:.1%}"


def eta(remaining: float, per_second: float) -> str:
    """Time left at the current speed, ``--:--`` while the speed is unknown."""
    if per_second <= 0:
        return "--:--"
    seconds = int(remaining / per_second + 0.5)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
