"""Pure session counting: tallies, rates, ranked pairs and snapshots; time is always passed in."""

from ntc_tui.aggregate.aggregator import Aggregator, FlushBatch
from ntc_tui.aggregate.rates import AVERAGE_WINDOWS, HISTORY_SECONDS, DirectionRates
from ntc_tui.aggregate.snapshot import DirectionTotals, PairRow, ProtocolRow, Snapshot
from ntc_tui.aggregate.tally import HostAddresses, PairDayKey, ProtoCellKey, Tally
from ntc_tui.aggregate.toplist import SortMode

__all__ = [
    "AVERAGE_WINDOWS",
    "HISTORY_SECONDS",
    "Aggregator",
    "DirectionRates",
    "DirectionTotals",
    "FlushBatch",
    "HostAddresses",
    "PairDayKey",
    "PairRow",
    "ProtoCellKey",
    "ProtocolRow",
    "Snapshot",
    "SortMode",
    "Tally",
]
