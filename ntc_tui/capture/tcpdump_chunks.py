"""tcpdump text read in large chunks: the file's flavour, packet boundaries, counts and rejects.

A chunk starts at a packet line and holds whole packets. The common line shapes of the file's
flavour are matched by one compiled expression over the whole chunk (tcpdump_fast) and counted
grouped; every other packet line ("odd") goes through the general grammar of tcpdump_text, which
is also the reference the fast path is tested against (``fast=False``).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from ntc_tui.capture.tcpdump_fast import FastCounter, fast_path
from ntc_tui.capture.tcpdump_text import (
    BINARY,
    CLOCK_EPOCH,
    CLOCK_NONE,
    MALFORMED,
    OVERLONG,
    TRUNCATED,
    LineParser,
    LineShape,
    Parsed,
)
from ntc_tui.records import Address, DayCalendar, PacketRecord

LINE_LIMIT = 64 * 1024  # longer lines are rejected as overlong
SAMPLES = 5  # rejected lines kept with their line number, per file
SAMPLE_WIDTH = 120  # characters of a rejected line kept in a sample
TEXT_BYTES = bytes([9, 10, 13, *range(32, 127)])  # what tcpdump prints: printable ASCII
_FLAVOUR_SAMPLE = 200  # packet lines looked at to learn a file's flavour
_NUMBERED = re.compile(rb" *\d+  (?=\S| \d)")

Flavour = LineShape  # a file's flavour: the shape most of its packet lines have


@dataclass(frozen=True)
class Sample:
    """A rejected line: why, where, and its first characters."""

    reason: str
    line: int  # 1-based line number in the file
    text: str


@dataclass
class ChunkCounts:
    """What one chunk held: counts of its common lines, records of the others, rejects."""

    pairs: dict[tuple[int, Address, Address], list[int]] = field(default_factory=dict)
    proto_cells: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    packets: int = 0  # counted in pairs/proto_cells; ``records`` are for the caller to count
    bytes: int = 0
    records: list[PacketRecord] = field(default_factory=list)
    length_kinds: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)
    unconsumed: int = 0  # bytes at the end of the file's last chunk left for a later import


def is_packet_start(line: bytes, numbered: bool) -> bool:
    """Whether a line begins a packet (continuation lines start with a space or a tab)."""
    if numbered and _NUMBERED.match(line):
        return True
    return bool(line) and line[0] not in b" \t\r"


def last_packet_start(data: bytes, numbered: bool) -> int:
    """Offset of the last line of ``data`` beginning a packet, after its first line; -1 if none."""
    end = len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        if is_packet_start(data[newline + 1 : newline + 65], numbered):
            return newline + 1
        end = newline
    return -1


@dataclass(frozen=True)
class Detected:
    """A file's flavour learnt from its first packet lines: how many parsed, why others did not."""

    flavour: Flavour
    parsed: int
    rejects: Counter[str]


def detect_flavour(text: bytes, date: datetime.date | None) -> Detected:
    """The flavour of a file from its first packet lines, and how those lines were rejected."""
    lines = text.split(b"\n")[:-1]  # complete lines only
    head = lines[:_FLAVOUR_SAMPLE]
    numbered_lines = sum(1 for line in head if _NUMBERED.match(line))
    numbered = numbered_lines > sum(1 for line in head if line[:1] not in b" \t\r")
    parser = LineParser(date)
    shapes: list[LineShape] = []
    rejects: Counter[str] = Counter()
    for index, line in enumerate(lines):
        if len(shapes) + rejects.total() >= _FLAVOUR_SAMPLE:
            break
        if is_packet_start(line, numbered):
            result = parser.parse(_decode(line), _continuation(lines, index + 1, numbered))
            if isinstance(result, Parsed):
                shapes.append(result.shape)
            else:
                rejects[result] += 1
    if not shapes:
        return Detected(Flavour(numbered, CLOCK_NONE, False, "", False), 0, rejects)
    clock = Counter(shape.clock for shape in shapes).most_common(1)[0][0]
    interface = _majority(shape.interface for shape in shapes)
    link = Counter(shape.link for shape in shapes).most_common(1)[0][0]
    verbose = _majority(shape.verbose for shape in shapes)
    return Detected(Flavour(numbered, clock, interface, link, verbose), len(shapes), rejects)


class ChunkReader:
    """Counts the chunks of one file, in order, with the file's flavour."""

    def __init__(
        self,
        flavour: Flavour,
        calendar: DayCalendar,
        date: datetime.date | None = None,
        fast: bool = True,
    ) -> None:
        self.flavour = flavour
        self.calendar = calendar
        self.parser = LineParser(date)
        path = fast_path(flavour) if fast else None
        self.fast = None
        if path is not None:
            epoch = flavour.clock == CLOCK_EPOCH
            self.fast = FastCounter(path, calendar, epoch, self.parser.local_seconds)

    def read(
        self, text: bytes, first_line: int, samples_wanted: int = SAMPLES, at_end: bool = False
    ) -> ChunkCounts:
        """Counts of ``text``: complete lines from a packet line on; at the end of the file
        (``at_end``), the rest of it. Its first line is line ``first_line`` of the file."""
        counts = ChunkCounts()
        if at_end and text and not text.endswith(b"\n"):
            last = text.rfind(b"\n") + 1
            number = first_line + text.count(b"\n", 0, last)
            reject_line(counts, TRUNCATED, number, text[last:], samples_wanted)
            counts.unconsumed = len(text) - last
            text = text[:last]
        fast = self.fast is not None and not text.translate(None, TEXT_BYTES)
        if not (fast and self._read_fast(counts, text, first_line, samples_wanted, at_end)):
            self._read_lines(counts, text, first_line, samples_wanted, at_end)
        return counts

    def _read_lines(
        self, counts: ChunkCounts, text: bytes, first_line: int, samples_wanted: int, at_end: bool
    ) -> None:
        """The general path: every line through the grammar."""
        lines = text.split(b"\n")[:-1]  # ``text`` ends with a newline
        numbered = self.flavour.numbered
        for index, line in enumerate(lines):
            number = first_line + index
            if line.translate(None, TEXT_BYTES):
                reject_line(counts, BINARY, number, line, samples_wanted)
            elif is_packet_start(line, numbered):
                next_line = _continuation(lines, index + 1, numbered)
                final = at_end and index == len(lines) - 1
                self._parse(counts, line, next_line, number, samples_wanted, final)

    def _read_fast(
        self,
        counts: ChunkCounts,
        text: bytes,
        first_line: int,
        samples_wanted: int,
        at_end: bool,
    ) -> bool:
        """Count the common lines in bulk and the odd ones by the grammar; False, with nothing
        counted, if a common line holds a value the fast path cannot convert."""
        fast = self.fast
        assert fast is not None
        rows: list[tuple[bytes, ...]] = fast.fast.pattern.findall(b"\n" + text)
        odd_at = fast.fast.groups["odd"]
        odd: list[bytes] = []
        if any(map(itemgetter(odd_at), rows)):
            odd = [row[odd_at] for row in rows if row[odd_at]]
            rows = [row for row in rows if not row[odd_at]]
        if rows:
            counted = fast.count(rows, counts.pairs, counts.proto_cells)
            if counted is None:
                return False
            packets, nbytes = counted
            counts.packets += packets
            counts.bytes += nbytes
            counts.length_kinds[fast.fast.length_kind] += packets
        final_start = text.rfind(b"\n", 0, len(text) - 1) + 1 if at_end else -1
        search_from = 0
        number = first_line
        for block in odd:
            line, _, rest = block.partition(b"\n")
            position = text.find(line, search_from)
            number += text.count(b"\n", search_from, position)
            search_from = position
            next_line = _decode(rest) if rest else None
            self._parse(counts, line, next_line, number, samples_wanted, position == final_start)
        return True

    def _parse(
        self,
        counts: ChunkCounts,
        line: bytes,
        next_line: str | None,
        number: int,
        samples_wanted: int,
        final: bool,
    ) -> None:
        """One packet line through the grammar; ``final``: the last line of the file."""
        if len(line) > LINE_LIMIT:
            reject_line(counts, OVERLONG, number, line, samples_wanted)
            return
        result = self.parser.parse(_decode(line), next_line)
        if isinstance(result, Parsed):
            counts.records.append(result.record)
            counts.length_kinds[result.length_kind] += 1
            return
        if result == TRUNCATED:
            if not final:
                result = MALFORMED  # a two-line packet without its second line, inside the file
            else:
                counts.unconsumed += len(line) + 1
        reject_line(counts, result, number, line, samples_wanted)


def reject_line(
    counts: ChunkCounts, reason: str, number: int, line: bytes, samples_wanted: int = SAMPLES
) -> None:
    """Count ``line`` (line ``number`` of its file) as rejected for ``reason``; keep a sample."""
    counts.rejects[reason] += 1
    if len(counts.samples) < samples_wanted:
        text = line[:SAMPLE_WIDTH].decode("ascii", "backslashreplace")
        counts.samples.append(Sample(reason, number, text))


def _continuation(lines: Sequence[bytes], index: int, numbered: bool) -> str | None:
    """The line at ``index`` as the continuation of the packet line before it, if it is one."""
    if index < len(lines):
        line = lines[index]
        if line[:1] in (b" ", b"\t") and not is_packet_start(line, numbered):
            return _decode(line)
    return None


def _decode(line: bytes) -> str:
    return line.decode("ascii", "replace")


def _majority(values: Iterable[bool]) -> bool:
    flags = list(values)
    return sum(flags) * 2 > len(flags)
