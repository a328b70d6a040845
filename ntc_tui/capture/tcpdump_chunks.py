"""tcpdump text read in large chunks: the file's flavour, packet boundaries, counts and rejects.

A chunk starts at a packet line and holds whole packets. The common line shapes of the file's
flavour are matched by one compiled expression over the whole chunk (tcpdump_fast) and counted
grouped; every other packet line ("odd") goes through the general grammar of tcpdump_text, which
is also the reference the fast path is tested against (``fast=False``).
"""

from __future__ import annotations

import datetime
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter, not_

from ntc_tui.capture.tcpdump_fast import FastCounter, fast_path
from ntc_tui.capture.tcpdump_text import (
    BINARY,
    CLOCK_DATETIME,
    CLOCK_EPOCH,
    CLOCK_NONE,
    MALFORMED,
    NO_DATE,
    NUMBER_PATTERN,
    OVERLONG,
    RELATIVE_START_PATTERN,
    TRUNCATED,
    LineParser,
    LineShape,
    Parsed,
    is_relative_clock,
)
from ntc_tui.records import Address, DayCalendar, PacketRecord

LINE_LIMIT = 64 * 1024  # longer lines are rejected as overlong
SAMPLES = 5  # rejected lines kept with their line number, per file
SAMPLE_WIDTH = 120  # bytes of a rejected line kept in a sample
TEXT_BYTES = bytes([9, 10, 13, *range(32, 127)])  # what tcpdump prints: printable ASCII
BINARY_SHARE = 0.9  # text whose first bytes are less printable than this is binary data
_FLAVOUR_SAMPLE = 200  # packet lines looked at to learn a file's flavour
_FLAVOUR_LINES = 50 * _FLAVOUR_SAMPLE  # lines they are looked for in (-X dumps: ~100 a packet)
_BINARY_SAMPLE = 4096  # bytes looked at to tell text from binary data
_NUMBERED = re.compile(NUMBER_PATTERN.encode())
_RELATIVE_START = re.compile(RELATIVE_START_PATTERN.encode())
_LOCAL_STAMP = re.compile(
    rb"(?:" + NUMBER_PATTERN.encode() + rb")?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\."
)
_Rejected = tuple[str, int, bytes]  # a rejected line: why, its line number, its bytes
_SHOWN = [chr(byte) if 0x20 <= byte <= 0x7E else f"\\x{byte:02x}" for byte in range(256)]

Flavour = LineShape  # a file's flavour: the shape most of its packet lines have


@dataclass(frozen=True)
class Sample:
    """A rejected line: why, where, and its first characters (every byte that is not printable
    ASCII written as \\xNN, so that a terminal shows it and does not obey it)."""

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
    """Whether a line begins a packet: continuation lines start with a space or a tab, but a
    relative clock (-ttt, -ttttt) is printed after a space too."""
    if numbered and _NUMBERED.match(line):
        return True
    if not line:
        return False
    if line[0] not in b" \t\r":
        return True
    return line[0] == 0x20 and _RELATIVE_START.match(line) is not None


def last_packet_start(data: bytes, numbered: bool) -> int:
    """Offset of the last line of ``data`` beginning a packet, after its first line; -1 if none."""
    end = len(data)
    while (newline := data.rfind(b"\n", 0, end)) >= 0:
        if is_packet_start(data[newline + 1 : newline + 65], numbered):
            return newline + 1
        end = newline
    return -1


def shown(data: bytes) -> str:
    """Bytes as text a terminal shows as they are: every byte outside 0x20-0x7e as \\xNN."""
    return "".join(_SHOWN[byte] for byte in data)


def is_binary(data: bytes) -> bool:
    """Whether (the first bytes of) content that is not a capture are binary data, not text."""
    sample = data[:_BINARY_SAMPLE]
    printable = len(sample) - len(sample.translate(None, TEXT_BYTES))
    return bool(sample) and printable < BINARY_SHARE * len(sample)


@dataclass(frozen=True)
class Detected:
    """A file's flavour learnt from its first packet lines: how many parsed, why others did
    not, how many of those had a relative clock; whether the content is binary data."""

    flavour: Flavour
    parsed: int
    rejects: Counter[str]
    relative: int = 0
    binary: bool = False


def detect_flavour(text: bytes, date: datetime.date | None) -> Detected:
    """The flavour of a file from its first packet lines, and how those lines were rejected."""
    lines = text.split(b"\n", _FLAVOUR_LINES)[:-1]  # complete lines only, the first of them
    head = lines[:_FLAVOUR_SAMPLE]
    numbered_lines = sum(1 for line in head if _NUMBERED.match(line))
    numbered = numbered_lines > sum(1 for line in head if line[:1] not in b" \t\r")
    parser = LineParser(date)
    shapes: list[LineShape] = []
    rejects: Counter[str] = Counter()
    relative = 0
    for index, line in enumerate(lines):
        if len(shapes) + rejects.total() >= _FLAVOUR_SAMPLE:
            break
        if is_packet_start(line, numbered):
            decoded = _decode(line)
            result = parser.parse(decoded, _continuation(lines, index + 1, numbered))
            if isinstance(result, Parsed):
                shapes.append(result.shape)
            else:
                rejects[result] += 1
                if result == NO_DATE and is_relative_clock(decoded):
                    relative += 1
    binary = is_binary(text)
    if not shapes:
        flavour = Flavour(numbered, CLOCK_NONE, False, "", False)
        return Detected(flavour, 0, rejects, relative, binary)
    clock = Counter(shape.clock for shape in shapes).most_common(1)[0][0]
    interface = _majority(shape.interface for shape in shapes)
    link = Counter(shape.link for shape in shapes).most_common(1)[0][0]
    verbose = _majority(shape.verbose for shape in shapes)
    flavour = Flavour(numbered, clock, interface, link, verbose)
    return Detected(flavour, len(shapes), rejects, relative, binary)


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
            self.fast = FastCounter(path, calendar, epoch, self.parser.local_candidates)

    def read(
        self, text: bytes, first_line: int, samples_wanted: int = SAMPLES, at_end: bool = False
    ) -> ChunkCounts:
        """Counts of ``text``: complete lines from a packet line on; at the end of the file
        (``at_end``), the rest of it. Its first line is line ``first_line`` of the file."""
        counts = ChunkCounts()
        last_line: _Rejected | None = None
        if at_end and text and not text.endswith(b"\n"):
            text, last_line = self._cut_last_line(counts, text, first_line)
        fast = (
            self.fast is not None
            and not text.translate(None, TEXT_BYTES)
            and not _has_overlong_line(text)
            and not self.needs_line_order(text)
        )
        if fast and self._read_fast(counts, text, first_line, samples_wanted, at_end):
            self.follow_last_clock(text)
        else:
            self._read_lines(counts, text, first_line, samples_wanted, at_end)
        if last_line is not None:  # after the lines before it: the samples stay in line order
            reject_line(counts, *last_line, samples_wanted)
        return counts

    def needs_line_order(self, text: bytes) -> bool:
        """Whether ``text`` (whole packets) may hold local times that the end of daylight saving
        time repeats: those are placed by the order of the lines (read them with ``read`` in
        file order, not in bulk and not in another process)."""
        if self.flavour.clock != CLOCK_DATETIME:
            return False
        ends = [0, last_packet_start(text, self.flavour.numbered)]
        candidates = []
        for start in ends:
            stamp = _LOCAL_STAMP.match(text, max(start, 0))
            if stamp is not None:
                candidates.append(self.parser.local_candidates(stamp[1].decode()))
        if any(len(epochs) != 1 for epochs in candidates):
            return True
        dst = {time.localtime(epochs[0]).tm_isdst for epochs in candidates}
        return len(dst) > 1

    def follow_last_clock(self, text: bytes) -> None:
        """Move the clock state to the last packet line of ``text``, counted elsewhere."""
        if self.flavour.clock == CLOCK_DATETIME:
            start = max(last_packet_start(text, self.flavour.numbered), 0)
            self.parser.follow_clock(_decode(text[start : text.find(b"\n", start)]))

    def follow(self, text: bytes) -> None:
        """Move the clock state over complete lines counted by an earlier import (the prefix of
        a continued file), as reading them did: the day of time-of-day lines, the offset of
        local times."""
        if self.flavour.clock == CLOCK_DATETIME:
            self.follow_last_clock(text)
            return
        numbered = self.flavour.numbered
        for line in text.split(b"\n")[:-1]:
            if (
                is_packet_start(line, numbered)
                and len(line) <= LINE_LIMIT
                and not line.translate(None, TEXT_BYTES)
            ):
                self.parser.follow_clock(_decode(line))

    def _cut_last_line(
        self, counts: ChunkCounts, text: bytes, first_line: int
    ) -> tuple[bytes, _Rejected | None]:
        """The text without its unfinished last line, and that line's rejection if it is one. A
        packet line is left for a later import (the file is still being written), and so is a
        packet's continuation line (a -v packet without its second line is then its one
        truncated line); binary garbage (what a crash leaves) is rejected for good."""
        last = text.rfind(b"\n") + 1
        tail = text[last:]
        number = first_line + text.count(b"\n", 0, last)
        rejected = None
        if tail.translate(None, TEXT_BYTES):
            rejected = (BINARY, number, tail)
        elif is_packet_start(tail, self.flavour.numbered):
            rejected = (TRUNCATED, number, tail)
            counts.unconsumed = len(tail)
        else:
            counts.unconsumed = len(tail)
        return text[:last], rejected

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
                reason = self._parse(counts, line, next_line, final)
                if reason is not None:
                    reject_line(counts, reason, number, line, samples_wanted)

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
        padded = b"\n" + text
        rows: list[tuple[bytes, ...]] = fast.fast.pattern.findall(padded)
        odd_of = itemgetter(fast.fast.odd)
        odd: list[bytes] = list(filter(None, map(odd_of, rows)))
        if odd:
            rows = list(compress(rows, map(not_, map(odd_of, rows))))
        if rows:
            counted = fast.count(rows, counts.pairs, counts.proto_cells)
            if counted is None:
                return False
            packets, nbytes = counted
            counts.packets += packets
            counts.bytes += nbytes
            counts.length_kinds[fast.fast.length_kind] += packets
        final_start = text.rfind(b"\n", 0, len(text) - 1) + 1 if at_end else -1
        search_from = 0  # in ``padded``: the newline before the next line to look at
        number, counted_to = first_line, 0  # the line number at offset ``counted_to``
        for block in odd:
            # the odd block where it starts a line: blocks are whole lines, and an earlier line
            # with the same bytes would have been matched the same way
            start = padded.find(b"\n" + block + b"\n", search_from)
            search_from = start + 1 + len(block)
            line, _, rest = block.partition(b"\n")
            next_line = _decode(rest) if rest else None
            reason = self._parse(counts, line, next_line, start == final_start)
            if reason is not None:
                number += text.count(b"\n", counted_to, start)
                counted_to = start
                reject_line(counts, reason, number, line, samples_wanted)
        return True

    def _parse(
        self, counts: ChunkCounts, line: bytes, next_line: str | None, final: bool
    ) -> str | None:
        """One packet line through the grammar; ``final``: the last line of the file. Returns
        why it is rejected, None if it is counted."""
        if len(line) > LINE_LIMIT:
            return OVERLONG
        result = self.parser.parse(_decode(line), next_line)
        if isinstance(result, Parsed):
            counts.records.append(result.record)
            counts.length_kinds[result.length_kind] += 1
            return None
        if result == TRUNCATED:
            if not final:
                return MALFORMED  # a two-line packet without its second line, inside the file
            counts.unconsumed += len(line) + 1
        return result


def reject_line(
    counts: ChunkCounts, reason: str, number: int, line: bytes, samples_wanted: int = SAMPLES
) -> None:
    """Count ``line`` (line ``number`` of its file) as rejected for ``reason``; keep a sample."""
    counts.rejects[reason] += 1
    if len(counts.samples) < samples_wanted:
        counts.samples.append(Sample(reason, number, shown(line[:SAMPLE_WIDTH])))


def _has_overlong_line(text: bytes) -> bool:
    """Whether ``text`` (ending with a newline) holds a line longer than LINE_LIMIT: a look at
    one newline per LINE_LIMIT bytes."""
    pos, end = 0, len(text) - 1
    while end - pos > LINE_LIMIT:
        newline = text.rfind(b"\n", pos, pos + LINE_LIMIT + 1)
        if newline < 0:
            return True
        pos = newline + 1
    return False


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
