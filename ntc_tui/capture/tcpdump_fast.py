"""The fast path over tcpdump text: one compiled expression per flavour for its common lines
(IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6, or any protocol number under -v), counted grouped in C.

Only the lines it matches are counted here; they are read exactly as the general grammar
(tcpdump_text) reads them, which the tests check line shape by line shape. Conversions use the
grammar's own functions (addresses, protocol names), so each rule has one implementation.
Counting works on columns: every row's key is a tuple of its tokens ((second, proto), (src,
dst)), so that grouping, summing and converting run in C over whole lists.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, itemgetter, mul
from typing import Any, TypeVar

from ntc_tui.capture.tcpdump_text import (
    CLOCK_DATETIME,
    CLOCK_EPOCH,
    IPV6_HEADER_BYTES,
    LENGTH_FRAME,
    LENGTH_IP,
    LENGTH_PRINTED,
    LINK_ETHERNET,
    LINK_SLL,
    LINK_SLL2,
    LineShape,
    address_token,
    transport_name,
)
from ntc_tui.records import IPV6_EXTENSION_HEADERS, Address, DayCalendar, ip_protocol_name

Row = tuple[bytes, ...]
Key = TypeVar("Key", bound=tuple[bytes, ...])
Counts = dict[Any, list[int]]
# transport words the fast path reads without -v -> whether the addresses carry ports
_WORDS = {b"Flags [": True, b"UDP, ": True, b"ICMP ": False, b"ICMP6, ": False}
_NOT_EXTENSION = (
    b"(?!(?:" + b"|".join(str(n).encode() for n in sorted(IPV6_EXTENSION_HEADERS)) + rb")\))"
)
# an IPv4 or an IPv6 address; the family shows in the token
_ADDRESS = rb"\d+\.\d+\.\d+\.\d+|[0-9a-f:]+"
_PORT = rb"(?:\.[\w-]+)?"
_LINK_HEADS = {
    LINK_ETHERNET: rb"\S+ > \S+, ",
    LINK_SLL: rb" *(?:In|Out|B|M|P) \S+ ",
    LINK_SLL2: rb"ifindex \d+ \S+ ",
}
_FAST_PATHS: dict[LineShape, FastPath | None] = {}


@dataclass(frozen=True)
class FastPath:
    """The compiled expression for one flavour's common lines and how to read its groups.

    Groups: second, s, d (addresses), odd (any other packet line); the length in l (or l4/l6
    when it is the IP length); the protocol in p (or p4/p6 when it is a number from -v).
    """

    pattern: re.Pattern[bytes]
    groups: dict[str, int]  # group name -> index in findall's tuples
    length_kind: str
    protocols: dict[bytes, str]  # value of the protocol group(s) -> SPEC §3 name


def fast_path(flavour: LineShape) -> FastPath | None:
    """The fast path of a flavour (cached); None where it does not apply (time of day, raw IP)."""
    if flavour not in _FAST_PATHS:
        _FAST_PATHS[flavour] = _build(flavour)
    return _FAST_PATHS[flavour]


def _build(flavour: LineShape) -> FastPath | None:
    if flavour.clock == CLOCK_EPOCH:
        clock = rb"(?P<second>\d+)\.\d+ "
    elif flavour.clock == CLOCK_DATETIME:
        clock = rb"(?P<second>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d+ "
    else:
        return None
    if flavour.link and flavour.link not in _LINK_HEADS:
        return None
    head = (rb" *\d+  " if flavour.numbered else b"") + clock
    if flavour.interface:
        head += rb"\S+ +(?:In|Out|B|M|P) +"
    if flavour.link:
        head += _LINK_HEADS[flavour.link]
        head += rb"ethertype IPv[46] \(0x[0-9a-f]{4}\), length (?P<l>\d+): "
        kind = LENGTH_FRAME
    else:
        head += rb"IP6? "
        kind = LENGTH_IP if flavour.verbose else LENGTH_PRINTED
    if flavour.verbose:
        ipv4_length = rb"\d+" if flavour.link else rb"(?P<l4>\d+)"
        ipv6_length = rb"\d+" if flavour.link else rb"(?P<l6>\d+)"
        head += rb"(?:\(tos [^\n]*\((?P<p4>\d+)\), length " + ipv4_length + rb"\)\n +"
        head += rb"|\([^)\n]*?next-header \S+ \(" + _NOT_EXTENSION + rb"(?P<p6>\d+)\) "
        head += rb"payload length: " + ipv6_length + rb"\) )"
    head += rb"(?P<s>" + _ADDRESS + b")" + _PORT + rb" > (?P<d>" + _ADDRESS + b")" + _PORT + b": "
    if not flavour.verbose:
        head += rb"(?P<p>" + b"|".join(re.escape(word) for word in _WORDS) + b")"
        if not flavour.link:
            head += rb"[^\n]*?\blength (?P<l>\d+)"
    start = rb"(?: *\d+  |\S)" if flavour.numbered else rb"\S"
    next_line = rb"(?:\n(?! *\d+  )[ \t][^\n]*)?" if flavour.numbered else rb"(?:\n[ \t][^\n]*)?"
    odd = rb"(?P<odd>" + start + rb"[^\n]*" + next_line + b")"
    pattern = re.compile(rb"\n(?:" + head + b"|" + odd + b")")
    protocols = {str(number).encode(): ip_protocol_name(number) for number in range(256)}
    protocols.update({word: transport_name(word.decode(), ports) for word, ports in _WORDS.items()})
    groups = {name: index - 1 for name, index in pattern.groupindex.items()}
    return FastPath(pattern, groups, kind, protocols)


class FastCounter:
    """Counts the fast path's rows of one file; caches the conversions of its tokens."""

    def __init__(
        self,
        fast: FastPath,
        calendar: DayCalendar,
        epoch: bool,
        local_seconds: Callable[[str], int | None],
    ) -> None:
        self.fast = fast
        self.calendar = calendar
        self._epoch = epoch
        self._local_seconds = local_seconds
        self._seconds: dict[bytes, int] = {}
        self._addresses: dict[bytes, Address] = {}

    def count(self, rows: list[Row], pairs: Counts, proto_cells: Counts) -> tuple[int, int] | None:
        """Add the rows to ``pairs`` and ``proto_cells``; (packets, bytes), or None, with
        nothing added, if a row holds a value that does not convert.

        Rows are grouped by tuples of their tokens (made, hashed and summed in C); only the
        distinct keys are converted."""
        groups = self.fast.groups
        if not self._resolve_seconds(set(map(itemgetter(groups["second"]), rows))):
            return None
        lengths = self._lengths(rows)
        pair_sums, pair_counts = _sums_and_counts(
            list(map(itemgetter(groups["s"], groups["d"]), rows)), lengths
        )
        tokens = set(map(itemgetter(0), pair_sums)) | set(map(itemgetter(1), pair_sums))
        if not self._resolve_addresses(tokens):
            return None
        spanned = self._add_cells(proto_cells, rows, lengths)
        days = {self.calendar.code(second) for second in spanned}
        if len(days) == 1:
            self._add_pairs(pairs, days.pop(), pair_sums, pair_counts)
        else:  # the chunk spans midnight: the day of each row
            keys = list(map(itemgetter(groups["second"], groups["s"], groups["d"]), rows))
            for (token, src, dst), nbytes, packets in _grouped(keys, lengths):
                day = self.calendar.code(self._seconds[token])
                _add(pairs, (day, self._addresses[src], self._addresses[dst]), nbytes, packets)
        return len(rows), sum(lengths)

    def _lengths(self, rows: list[Row]) -> list[int]:
        groups = self.fast.groups
        if "l" in groups:
            return list(map(int, map(itemgetter(groups["l"]), rows)))
        # the IP length: IPv4's total length, or IPv6's payload length + its 40-byte header
        ipv4 = map(itemgetter(groups["l4"]), rows)
        ipv6 = list(map(itemgetter(groups["l6"]), rows))
        lengths = map(int, map(add, ipv4, ipv6))
        return list(map(add, lengths, map(mul, map(bool, ipv6), repeat(IPV6_HEADER_BYTES))))

    def _add_cells(self, proto_cells: Counts, rows: list[Row], lengths: list[int]) -> set[int]:
        """Add the rows by (second, protocol); returns the seconds they span."""
        groups = self.fast.groups
        names = ("p",) if "p" in groups else ("p4", "p6")  # -v: one of the two is empty
        keys = list(map(itemgetter(groups["second"], *(groups[name] for name in names)), rows))
        spanned: set[int] = set()
        protocols = self.fast.protocols
        for (token, *shown), nbytes, packets in _grouped(keys, lengths):
            second = self._seconds[token]
            spanned.add(second)
            _add(proto_cells, (second, protocols[b"".join(shown)]), nbytes, packets)
        return spanned

    def _add_pairs(
        self,
        pairs: Counts,
        day: int,
        sums: dict[tuple[bytes, bytes], int],
        counts: Counter[tuple[bytes, bytes]],
    ) -> None:
        """Add the sums of one day's (src, dst) token pairs; the keys are converted in C."""
        address = self._addresses.__getitem__
        converted = zip(
            repeat(day),
            map(address, map(itemgetter(0), sums)),
            map(address, map(itemgetter(1), sums)),
        )
        values = map(list, zip(sums.values(), counts.values(), strict=True))
        grouped = dict(zip(converted, values, strict=True))
        if not pairs and len(grouped) == len(sums):
            pairs.update(grouped)
            return
        # pairs to add to, or two spellings of one address: one by one
        for (src, dst), nbytes, packets in zip(sums, sums.values(), counts.values(), strict=True):
            _add(pairs, (day, address(src), address(dst)), nbytes, packets)

    def _resolve_seconds(self, tokens: set[bytes]) -> bool:
        known = self._seconds
        for token in tokens - known.keys():
            seconds = int(token) if self._epoch else self._local_seconds(token.decode())
            if seconds is None:
                return False
            known[token] = seconds
        return True

    def _resolve_addresses(self, tokens: set[bytes]) -> bool:
        known = self._addresses
        for token in tokens - known.keys():
            parsed = address_token(token.decode(), v6=b":" in token)
            if isinstance(parsed, str):
                return False
            known[token] = parsed[0]
        return True


def _sums_and_counts(
    keys: Sequence[Key], lengths: Sequence[int]
) -> tuple[dict[Key, int], Counter[Key]]:
    """Sums of lengths and counts per distinct key of two parallel lists, made in C. Both hold
    the keys in first-seen order, so their items pair up."""
    sums: defaultdict[Key, int] = defaultdict(int)
    deque(map(sums.__setitem__, keys, map(add, map(sums.__getitem__, keys), lengths)), maxlen=0)
    return sums, Counter(keys)


def _grouped(keys: Sequence[Key], lengths: Sequence[int]) -> Iterator[tuple[Key, int, int]]:
    """(key, sum of its lengths, count) per distinct key."""
    sums, packets = _sums_and_counts(keys, lengths)
    return zip(sums, sums.values(), packets.values(), strict=True)


def _add(target: Counts, key: Any, nbytes: int, packets: int) -> None:
    counts = target.setdefault(key, [0, 0])
    counts[0] += nbytes
    counts[1] += packets
