"""How the dashboard writes quantities: volumes and rates in bytes or bits, counts, durations."""

from __future__ import annotations

from enum import StrEnum

_PREFIXES = ("", "k", "M", "G", "T", "P", "E")
_STEP = 1000.0  # decimal prefixes, as network rates are quoted (1 Mb/s = 1,000,000 bit/s)


class Units(StrEnum):
    """Volumes and rates in bytes or in bits (the `u` key switches)."""

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


def volume(nbytes: float, units: Units) -> str:
    """A volume, e.g. ``12.3 MB`` or ``98.4 Mb``."""
    number, prefix = _scaled(nbytes * 8 if units is Units.BITS else nbytes)
    return f"{number} {prefix}{units.symbol}"


def rate(bytes_per_second: float, units: Units) -> str:
    """A rate, e.g. ``12.3 MB/s`` or ``98.4 Mb/s``."""
    return volume(bytes_per_second, units) + "/s"


def count(number: int) -> str:
    """A count with thousands separators: ``12,345``."""
    return f"{number:,}"


def short_count(number: int) -> str:
    """A count in at most 6 characters: ``12,345`` or ``1.23M``."""
    if number < 100_000:
        return f"{number:,}"
    text, prefix = _scaled(number)
    return f"{text}{prefix}"


def duration(seconds: float) -> str:
    """Elapsed time as ``H:MM:SS``, with days in front past 24 hours: ``2d 03:04:05``."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours}:{minutes:02d}:{secs:02d}"


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
