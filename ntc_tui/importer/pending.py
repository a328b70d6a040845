"""Counts waiting to be committed, with the ledger entry of the content they came from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ntc_tui.aggregate.tally import Tally, add_counts
from ntc_tui.capture.tcpdump_chunks import ChunkCounts
from ntc_tui.capture.tcpdump_text import (
    LENGTH_FRAME,
    LENGTH_IP,
    LENGTH_KINDS,
    LENGTH_NONE,
    LENGTH_PRINTED,
)
from ntc_tui.importer.ledger import Position
from ntc_tui.records import DayCalendar, PacketRecord
from ntc_tui.store import Batch, Store

LENGTH_RULES = {
    LENGTH_FRAME: "frame length (-e)",
    LENGTH_IP: "IP length (-v)",
    LENGTH_PRINTED: "length printed by tcpdump",
    LENGTH_NONE: "no length shown (0 bytes)",
}
CAPTURE_LENGTH_RULE = "frame length of the capture"  # what a pcap or pcapng file records


class Pending:
    """One batch in the making: pair and protocol counts, packets and bytes."""

    def __init__(self, calendar: DayCalendar) -> None:
        self.calendar = calendar
        self.tally = Tally(calendar)
        self.packets = 0
        self.bytes = 0

    def add_records(self, records: Iterable[PacketRecord]) -> None:
        """Count records one by one (the counting rules of SPEC §3, through Tally)."""
        before_packets, before_bytes = self.tally.packets, self.tally.bytes
        self.tally.add(records)
        self.packets += self.tally.packets - before_packets
        self.bytes += self.tally.bytes - before_bytes

    def add_chunk(self, counts: ChunkCounts) -> None:
        """Add a text chunk's counts: its grouped counts and its records."""
        tally = self.tally
        if tally.pairs:
            add_counts(tally.pairs, counts.pairs)
        else:  # the batch's first chunk: its counts become the batch's
            tally.pairs = counts.pairs
        if tally.proto_cells:
            add_counts(tally.proto_cells, counts.proto_cells)
        else:
            tally.proto_cells = counts.proto_cells
        self.packets += counts.packets
        self.bytes += counts.bytes
        self.add_records(counts.records)

    def commit(self, store: Store, position: Position | None) -> None:
        """Apply the counts and the ledger entry of ``position`` (None: no entry) in one atomic
        batch, and start a new batch. ``position`` already includes the content counted here."""
        entry = position.entry() if position is not None else None
        batch = Batch(
            pairs=self.tally.pairs,
            proto_cells=self.tally.proto_cells,
            ledger=[entry] if entry is not None else [],
        )
        if self.packets or entry is not None:
            store.apply(batch)
        self.tally = Tally(self.calendar)
        self.packets = self.bytes = 0


def length_rule(kinds: Counter[str]) -> str:
    """Which length the packets were counted with, e.g. "frame length (-e)", or each rule used
    with its packet count when they differ."""
    used = [(kind, kinds[kind]) for kind in LENGTH_KINDS if kinds[kind]]
    if len(used) == 1:
        return LENGTH_RULES[used[0][0]]
    return ", ".join(f"{LENGTH_RULES[kind]}: {count} packets" for kind, count in used)
