"""Imports tcpdump text: the content read in chunks of whole packets, queued batch by batch."""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ntc_tui.capture.content import ContentError, ContentStream
from ntc_tui.capture.tcpdump_chunks import (
    SAMPLES,
    ChunkCounts,
    ChunkReader,
    Detected,
    Sample,
    detect_flavour,
    last_packet_start,
    reject_line,
)
from ntc_tui.capture.tcpdump_text import (
    CLOCK_DATETIME,
    CLOCK_EPOCH,
    CLOCK_TIME_OF_DAY,
    NAME_RESOLVED,
    NO_DATE,
    NO_TIMESTAMP,
    OVERLONG,
    RERUN_WITH_N,
)
from ntc_tui.importer.ledger import Position
from ntc_tui.importer.model import FileSummary
from ntc_tui.importer.parallel import ChunkPool, Piece
from ntc_tui.importer.pending import Outbox, Pending

CHUNK_BYTES = 16 << 20  # text parsed at a time (whole packets)
BATCH_BYTES = 64 << 20  # content per atomic batch: whole small files, each with its ledger entry,
# or every BATCH_BYTES of a longer one
ABSOLUTE_CLOCKS = (CLOCK_EPOCH, CLOCK_DATETIME)  # pieces of such files are counted in any order
LOCAL_CLOCKS = (CLOCK_DATETIME, CLOCK_TIME_OF_DAY)  # a continued file's clock state is needed
# a capture run without -n shows host names for the addresses that have one: more than this share
# of the packet lines read before the first commit (and more than one line) refuses the file; after
# that commit, host-name lines are rejected lines like any other
NAME_RESOLVED_SHARE = 0.001
NAME_RESOLVED_REFUSAL = f"the addresses are host names (tcpdump ran without -n); {RERUN_WITH_N}"
NO_DATE_REFUSAL = (
    "the times have no date (tcpdump's default time format); give --date YYYY-MM-DD "
    "or re-run tcpdump with -tt"
)
RELATIVE_REFUSAL = (
    "the times are relative (tcpdump -ttt or -ttttt) and give no date; re-run tcpdump with -tt"
)
NO_TIMESTAMP_REFUSAL = "the lines have no timestamps (tcpdump -t); re-run tcpdump with -tt"
BINARY_REFUSAL = "binary data that is not pcap, pcapng or tcpdump text"


class RefusedError(Exception):
    """The file as a whole cannot be imported; nothing of it is counted."""


@dataclass
class TextResult:
    """What reading a text file did: packets and bytes counted, rejects, the lengths used."""

    packets: int = 0
    bytes: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)
    length_kinds: Counter[str] = field(default_factory=Counter)
    cancelled: bool = False
    error: ContentError | None = None  # the content could not be read to its end


def refusal(detected: Detected) -> str | None:
    """Why a file must not be imported at all, judged by its first packet lines; None if it may."""
    rejects = detected.rejects
    if not detected.parsed and detected.binary:
        return BINARY_REFUSAL
    if rejects[NAME_RESOLVED] > detected.parsed:
        return NAME_RESOLVED_REFUSAL
    if rejects[NO_DATE] > detected.parsed:
        return RELATIVE_REFUSAL if detected.relative * 2 > rejects[NO_DATE] else NO_DATE_REFUSAL
    if rejects[NO_TIMESTAMP] > detected.parsed:
        return NO_TIMESTAMP_REFUSAL
    return None


def is_name_resolved(result: TextResult) -> bool:
    """Whether more than a stray line or two of the packet lines read show host names."""
    resolved = result.rejects[NAME_RESOLVED]
    lines = result.packets + result.rejects.total()
    return resolved > 1 and resolved > NAME_RESOLVED_SHARE * lines


class TextImport:
    """Reads one file's text after its counted prefix, counts it and commits it batch by batch.

    The text is cut into pieces of whole packets; with a pool (files of an absolute clock) the
    pieces are counted in worker processes while the next ones are read, and their counts are
    taken back in file order, so that every batch and its ledger entry cover a prefix."""

    def __init__(
        self,
        stream: ContentStream,
        outbox: Outbox,
        file: FileSummary,
        date: datetime.date | None,
        progress: Callable[[int, int], None],
        cancel: threading.Event,
        pool: ChunkPool | None = None,
    ) -> None:
        self.stream = stream
        self.outbox = outbox
        self.file = file  # the summary the file's queued counts belong to
        self.calendar = outbox.calendar
        self.date = date
        self.progress = progress  # (content bytes counted, packets counted), after each piece
        self.cancel = cancel
        self.pool = pool
        self.result = TextResult()
        self._eof = False

    def run(self, position: Position, buffered: bytes) -> TextResult:
        """Count the content after ``position`` (``buffered``: the first of it, already read).
        Raises RefusedError before committing anything if the file cannot be imported."""
        buffer = self._fill(buffered)
        if not buffer:
            return self.result
        detected = detect_flavour(buffer, self.date)
        reason = refusal(detected)
        if reason is not None:
            raise RefusedError(reason)
        flavour = detected.flavour
        reader = ChunkReader(flavour, self.calendar, self.date)
        if position.offset and flavour.clock in LOCAL_CLOCKS:
            self._follow_prefix(reader, position.offset)
        pieces = self._pieces(buffer, flavour.numbered, position.lines + 1)
        pool = self.pool if self.pool is not None and self.pool.usable else None
        if pool is not None and not self._eof and flavour.clock in ABSOLUTE_CLOCKS:
            key = (flavour, self.calendar.utc, self.date)
            counted = pool.counted(key, self._in_order(reader, pieces), self._samples_wanted)
        else:
            counted = ((piece, piece.counts or self._read(reader, piece)) for piece in pieces)
        self._count(counted, position)
        return self.result

    def _read(self, reader: ChunkReader, piece: Piece) -> ChunkCounts:
        return reader.read(piece.data, piece.first_line, self._samples_wanted(), piece.at_end)

    def _in_order(self, reader: ChunkReader, pieces: Iterator[Piece]) -> Iterator[Piece]:
        """The pieces for the workers; those whose local times only their line order can
        place (the hour the end of daylight saving time repeats) are counted here, in order."""
        for piece in pieces:
            if piece.counts is None and reader.needs_line_order(piece.data):
                yield dataclasses.replace(piece, counts=self._read(reader, piece))
            else:
                reader.follow_last_clock(piece.data)
                yield piece

    def _follow_prefix(self, reader: ChunkReader, length: int) -> None:
        """Bring the clock state of ``reader`` to the end of the counted prefix: the day of a
        time-of-day file continued after midnight, the offset of a local time."""
        with ContentStream(self.stream.path, self.stream.compression) as prefix:
            rest = b""
            left = length
            while left > 0 and (data := prefix.read(min(left, CHUNK_BYTES))):
                left -= len(data)
                text = rest + data
                cut = text.rfind(b"\n") + 1
                reader.follow(text[:cut])
                rest = text[cut:]

    def _samples_wanted(self) -> int:
        return SAMPLES - len(self.result.samples)

    def _count(self, counted: Iterator[tuple[Piece, ChunkCounts]], position: Position) -> None:
        """Add each piece's counts in order; commit every BATCH_BYTES, and queue the rest for
        the outbox at the end; stop after a commit when cancelled. Raises RefusedError instead
        of the first commit or queueing when the content read so far is name-resolved: the file
        is judged once, before anything of it is counted, so that the summary always says what
        the store holds."""
        pending = Pending(self.calendar)
        batch_start = position.offset
        judged = False
        result = self.result
        for piece, counts in counted:
            packets_before, bytes_before = pending.packets, pending.bytes
            pending.add_chunk(counts)
            packets = pending.packets - packets_before
            nbytes = pending.bytes - bytes_before
            if counts.unconsumed:  # the end of the file: a last line left for a later import
                position.advance(piece.data[: -counts.unconsumed], packets, nbytes)
            else:
                position.advance(piece.data, packets, nbytes, piece.lines)
            result.packets += packets
            result.bytes += nbytes
            result.rejects.update(counts.rejects)
            result.samples.extend(counts.samples[: self._samples_wanted()])
            result.length_kinds.update(counts.length_kinds)
            self.progress(position.offset, result.packets)
            if piece.at_end or position.offset - batch_start >= BATCH_BYTES:
                if not judged and is_name_resolved(result):
                    raise RefusedError(NAME_RESOLVED_REFUSAL)
                judged = True
                # a file of which nothing counted and everything was rejected is not recorded:
                # it is refused again next time, not "already imported"
                recorded = position.packets > 0 or not result.rejects
                content = position.offset - batch_start
                now = not piece.at_end  # a part of a file: durable before the file goes on
                self.outbox.add(pending, position if recorded else None, content, self.file, now)
                pending = Pending(self.calendar)
                batch_start = position.offset
                if self.cancel.is_set() and not piece.at_end:
                    result.cancelled = True
                    return

    def _pieces(self, buffer: bytes, numbered: bool, first_line: int) -> Iterator[Piece]:
        """The text in pieces of whole packets (the last one: the rest of the file)."""
        line = first_line
        while True:
            if self._eof:
                yield Piece(buffer, line, at_end=True)
                return
            cut = last_packet_start(buffer, numbered)
            if cut <= 0:
                cut = buffer.rfind(b"\n") + 1
            if cut > 0:
                piece = Piece(buffer[:cut], line, at_end=False)
                buffer = buffer[cut:]
                yield piece
                line += piece.lines
            else:
                skipped, buffer = self._skip_overlong(buffer, line)
                yield skipped
                line += 1
            buffer = self._fill(buffer)

    def _fill(self, buffer: bytes) -> bytes:
        """``buffer`` topped up to CHUNK_BYTES from the stream (less at its end)."""
        parts = [buffer]
        size = len(buffer)
        while not self._eof and size < CHUNK_BYTES:
            try:
                data = self.stream.read(CHUNK_BYTES - size)
            except ContentError as error:
                self.result.error = error
                data = b""
            if not data:
                self._eof = True
                break
            parts.append(data)
            size += len(data)
        return b"".join(parts)

    def _skip_overlong(self, buffer: bytes, line: int) -> tuple[Piece, bytes]:
        """A line longer than a piece, up to its end, as a piece of its own rejected line; and
        what follows it."""
        counts = ChunkCounts()
        reject_line(counts, OVERLONG, line, buffer)
        parts = []
        while (newline := buffer.find(b"\n")) < 0:
            parts.append(buffer)
            buffer = self._fill(b"")
            if not buffer:
                return Piece(b"".join(parts), line, False, counts), b""
        parts.append(buffer[: newline + 1])
        return Piece(b"".join(parts), line, False, counts), buffer[newline + 1 :]
