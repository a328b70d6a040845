"""Per-second IN/OUT history of a session: current rate, 2/10/40 s averages, peak, last minute."""

from __future__ import annotations

from dataclasses import dataclass

from ntc_tui.aggregate.tally import IN_BYTES, IN_PACKETS, OUT_BYTES, OUT_PACKETS

HISTORY_SECONDS = 60  # the rate graph's span; older seconds are folded into the peak and released
AVERAGE_WINDOWS = (2, 10, 40)


@dataclass(frozen=True)
class DirectionRates:
    """Bytes per second of one direction, over complete seconds before ``now``."""

    current: float  # the last complete second
    # over AVERAGE_WINDOWS, or over the seconds since the session's first packet while fewer
    averages: tuple[float, float, float]
    peak: float  # the busiest complete second of the session
    graph: tuple[float, ...]  # the last HISTORY_SECONDS complete seconds, oldest first


class RateHistory:
    """Keeps direction bins per epoch second for the last minute and the session's peaks."""

    def __init__(self) -> None:
        self._bins: dict[
            int, list[int]
        ] = {}  # second -> [in bytes, in packets, out bytes, out packets]
        self._peak = [0, 0]  # bytes/s of seconds already released: [in, out]
        self._released_before = 0  # seconds before this have been folded into _peak
        self._first_second: int | None = None  # of the session's first packet

    def add(self, seconds: dict[int, list[int]]) -> None:
        """Merge the direction bins of a tally (late packets of earlier seconds included)."""
        bins = self._bins
        if seconds:
            first = min(seconds)
            if self._first_second is None or first < self._first_second:
                self._first_second = first
        for second, counts in seconds.items():
            if second < self._released_before:
                self._fold_into_peak(counts)
                continue
            target = bins.get(second)
            if target is None:
                bins[second] = list(counts)
            else:
                for i in (IN_BYTES, IN_PACKETS, OUT_BYTES, OUT_PACKETS):
                    target[i] += counts[i]

    def release(self, now: float) -> None:
        """Fold seconds older than the graph's span into the peak and forget them."""
        horizon = int(now) - HISTORY_SECONDS
        for second in [s for s in self._bins if s < horizon]:
            self._fold_into_peak(self._bins.pop(second))
        self._released_before = max(self._released_before, horizon)

    def _fold_into_peak(self, counts: list[int]) -> None:
        self._peak[0] = max(self._peak[0], counts[IN_BYTES])
        self._peak[1] = max(self._peak[1], counts[OUT_BYTES])

    def rates(self, now: float) -> tuple[DirectionRates, DirectionRates]:
        """IN and OUT rates at ``now`` on the session clock (wall time live, packet time read)."""
        last = int(now) - 1  # the last complete second
        return self._direction(last, IN_BYTES, 0), self._direction(last, OUT_BYTES, 1)

    def _direction(self, last: int, index: int, peak_slot: int) -> DirectionRates:
        bins = self._bins
        graph = tuple(
            float(bins[s][index]) if s in bins else 0.0
            for s in range(last - HISTORY_SECONDS + 1, last + 1)
        )
        covered = 0 if self._first_second is None else max(0, last - self._first_second + 1)
        short, medium, long = (
            sum(graph[-window:]) / max(1, min(window, covered)) for window in AVERAGE_WINDOWS
        )
        complete = (counts[index] for second, counts in bins.items() if second <= last)
        peak = max(self._peak[peak_slot], max(complete, default=0))
        return DirectionRates(graph[-1], (short, medium, long), float(peak), graph)
