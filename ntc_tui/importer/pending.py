"""Counts waiting to be committed, with the ledger entries of the content they came from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

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
from ntc_tui.importer.model import FAILED, FileSummary
from ntc_tui.records import DayCalendar, PacketRecord
from ntc_tui.store import Batch, LedgerEntry, Store, StoreWriteError

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
        self._add_grouped(counts.pairs, counts.proto_cells, counts.packets, counts.bytes)
        self.add_records(counts.records)

    def add_pending(self, other: Pending) -> None:
        """Add the counts of another batch in the making (which is not used again)."""
        tally = other.tally
        self._add_grouped(tally.pairs, tally.proto_cells, other.packets, other.bytes)

    def _add_grouped(
        self,
        pairs: dict[Any, list[int]],
        proto_cells: dict[Any, list[int]],
        packets: int,
        nbytes: int,
    ) -> None:
        tally = self.tally
        if tally.pairs:
            add_counts(tally.pairs, pairs)
        else:  # the batch's first counts become the batch's
            tally.pairs = pairs
        if tally.proto_cells:
            add_counts(tally.proto_cells, proto_cells)
        else:
            tally.proto_cells = proto_cells
        self.packets += packets
        self.bytes += nbytes


class Outbox:
    """Counts waiting to be committed, with the ledger entries of the content they came from.

    The files of a folder share atomic batches: the files of one capture repeat most of their
    pairs, and a batch upserts each pair once (40 files of 4 MB: 440k record upserts committed
    file by file, 39k together). What is queued is committed once ``batch_bytes`` of
    content has queued, when a part of a file must be durable before the file goes on
    (``now``), and at the end of the run. A file whose head is queued (a copy of a queued file,
    or a longer version of it) must be looked up in the ledger only after a commit (``holds``).
    """

    def __init__(self, store: Store, calendar: DayCalendar, batch_bytes: int) -> None:
        self.store = store
        self.calendar = calendar
        self.batch_bytes = batch_bytes
        self._pending = Pending(calendar)
        self._entries: list[LedgerEntry] = []
        self._files: list[FileSummary] = []
        self._content = 0

    def holds(self, head: bytes) -> bool:
        """Whether a ledger entry of content with this head is waiting to be committed."""
        return any(entry.head == head for entry in self._entries)

    def add(
        self,
        pending: Pending,
        position: Position | None,
        content: int,
        file: FileSummary,
        now: bool = False,
    ) -> None:
        """Queue ``pending`` (counted from ``content`` bytes of ``file``, not used again) with
        the ledger entry of ``position`` (None: no entry), which includes that content."""
        entry = position.entry() if position is not None else None
        self._pending.add_pending(pending)
        if entry is not None:
            self._entries.append(entry)
        if not self._files or self._files[-1] is not file:
            self._files.append(file)
        self._content += content
        if now or self._content >= self.batch_bytes:
            self.commit()

    def commit(self) -> None:
        """Apply what is queued in one atomic batch. If the store refuses it (disk full, say),
        the files it held are failed with the reason, their counts not stored, and the error
        is raised."""
        pending, entries, files = self._pending, self._entries, self._files
        self._pending, self._entries, self._files = Pending(self.calendar), [], []
        self._content = 0
        if not pending.packets and not entries:
            return
        batch = Batch(
            pairs=pending.tally.pairs, proto_cells=pending.tally.proto_cells, ledger=entries
        )
        try:
            self.store.apply(batch)
        except StoreWriteError as error:
            for file in files:
                file.status = f"{FAILED}: {error}"
                file.packets = file.bytes = 0
            raise


def length_rule(kinds: Counter[str]) -> str:
    """Which length the packets were counted with, e.g. "frame length (-e)", or each rule used
    with its packet count when they differ."""
    used = [(kind, kinds[kind]) for kind in LENGTH_KINDS if kinds[kind]]
    if len(used) == 1:
        return LENGTH_RULES[used[0][0]]
    return ", ".join(f"{LENGTH_RULES[kind]}: {count} packets" for kind, count in used)
