"""The fast path over tcpdump text: one compiled expression per flavour for its common lines
(IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6, or any protocol number under -v), counted in one loop.

Only the lines it matches are counted here; they are read exactly as the general grammar
(tcpdump_text) reads them, which the tests check line shape by line shape. Conversions use the
grammar's own functions (addresses, protocol names, local times), so each rule has one
implementation. Rows are summed by the raw tokens they show ((second, protocol) and (source,
destination)); only the distinct tokens are converted afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import add, itemgetter
from typing import Any

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
    NUMBER_PATTERN,
    RELATIVE_START_PATTERN,
    LineShape,
    address_token,
    transport_name,
)
from ntc_tui.records import IPV6_EXTENSION_HEADERS, Address, DayCalendar, ip_protocol_name

Row = tuple[bytes, ...]
Counts = dict[Any, list[int]]
# transport words the fast path reads without -v -> whether the addresses carry ports
_WORDS = {b"Flags [": True, b"UDP, ": True, b"ICMP ": False, b"ICMP6, ": False}
_NOT_EXTENSION = (
    b"(?!(?:" + b"|".join(str(n).encode() for n in sorted(IPV6_EXTENSION_HEADERS)) + rb")\))"
)
# an IPv4 or an IPv6 address; the family shows in the token
_ADDRESS = rb"\d+\.\d+\.\d+\.\d+|[0-9a-f:]+"
_PORT = rb"(?:\.[\w-]+)?"
_MAC = rb"[0-9a-f:]{17}"  # as tcpdump prints a MAC address; any other goes to the grammar
_LINK_HEADS = {
    LINK_ETHERNET: _MAC + rb" > " + _MAC + rb", ",
    LINK_SLL: rb" *(?:In|Out|B|M|P) \S+ ",
    LINK_SLL2: rb"ifindex \d+ \S+ ",
}
_FAST_PATHS: dict[LineShape, FastPath | None] = {}


@dataclass(frozen=True)
class FastPath:
    """The compiled expression for one flavour's common lines and how to read its rows.

    Groups: second, s, d (addresses), odd (any other packet line, with its continuation); the
    length in l (or l4/l6 when it is the IP length, one of them empty); the protocol in p (or
    p4/p6 when it is a number from -v, one of them empty).
    """

    pattern: re.Pattern[bytes]
    cell: tuple[int, ...]  # indexes in a row of the second and the protocol group(s)
    pair: tuple[int, int]  # of the source and destination
    lengths: tuple[int, ...]  # of the length group(s)
    odd: int  # of the odd line
    length_kind: str
    protocols: dict[bytes, str]  # the protocol group(s) joined -> SPEC §3 name


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
    number = NUMBER_PATTERN.encode()
    head = (number if flavour.numbered else b"") + clock
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
    # any other packet line, and its continuation: what tcpdump_chunks.is_packet_start says
    relative = RELATIVE_START_PATTERN.encode()
    start = (number + b"|" if flavour.numbered else b"") + rb"\S|" + relative
    not_start = (b"(?!" + number + b")" if flavour.numbered else b"") + b"(?!" + relative + b")"
    odd = rb"(?P<odd>(?:" + start + rb")[^\n]*(?:\n" + not_start + rb"[ \t][^\n]*)?)"
    pattern = re.compile(rb"\n(?:" + head + b"|" + odd + b")")
    protocols = {str(number).encode(): ip_protocol_name(number) for number in range(256)}
    protocols.update({word: transport_name(word.decode(), ports) for word, ports in _WORDS.items()})
    index = {name: number - 1 for name, number in pattern.groupindex.items()}
    protocol_groups = ("p",) if "p" in index else ("p4", "p6")
    length_groups = ("l",) if "l" in index else ("l4", "l6")
    return FastPath(
        pattern,
        (index["second"], *(index[name] for name in protocol_groups)),
        (index["s"], index["d"]),
        tuple(index[name] for name in length_groups),
        index["odd"],
        kind,
        protocols,
    )


class FastCounter:
    """Counts the fast path's rows of one file; caches the conversions of its tokens."""

    def __init__(
        self,
        fast: FastPath,
        calendar: DayCalendar,
        epoch: bool,
        local_candidates: Callable[[str], tuple[int, ...]],
    ) -> None:
        self.fast = fast
        self.calendar = calendar
        self._epoch = epoch
        self._local_candidates = local_candidates
        self._seconds: dict[bytes, int] = {}
        self._addresses: dict[bytes, Address] = {}

    def count(self, rows: list[Row], pairs: Counts, proto_cells: Counts) -> tuple[int, int] | None:
        """Add the rows to ``pairs`` and ``proto_cells``; (packets, bytes), or None, with
        nothing added, if a row holds a value that does not convert (or a local time that the
        end of daylight saving time repeats: the grammar places those in line order)."""
        fast = self.fast
        lengths = self._lengths(rows)
        cells, by_tokens = _summed(
            map(itemgetter(*fast.cell), rows), map(itemgetter(*fast.pair), rows), lengths
        )
        if not self._resolve_seconds({key[0] for key in cells}):
            return None
        tokens = {token for pair in by_tokens for token in pair}
        if not self._resolve_addresses(tokens):
            return None
        ipv6_header = fast.length_kind == LENGTH_IP  # -v lengths of IPv6 are its payload's
        seconds, protocols = self._seconds, fast.protocols
        spanned: set[int] = set()
        packets = nbytes = 0
        for (token, *shown), (cell_bytes, cell_packets) in cells.items():
            second = seconds[token]
            spanned.add(second)
            header = IPV6_HEADER_BYTES * cell_packets if ipv6_header and shown[-1] else 0
            name = protocols[b"".join(shown)]
            _add(proto_cells, (second, name), cell_bytes + header, cell_packets)
            packets += cell_packets
            nbytes += cell_bytes + header
        days = {self.calendar.code(second) for second in spanned}
        one_day = days.pop() if len(days) == 1 else None
        if one_day is None:  # the rows span midnight: each one's own day
            keys = map(itemgetter(fast.cell[0], *fast.pair), rows)
            _, by_tokens = _summed(map(itemgetter(*fast.cell), rows), keys, self._lengths(rows))
        if ipv6_header:
            for tokens_key, counts in by_tokens.items():
                if b":" in tokens_key[-2]:  # an IPv6 source
                    counts[0] += IPV6_HEADER_BYTES * counts[1]
        address = self._addresses
        if one_day is not None:
            converted = {(one_day, address[s], address[d]): v for (s, d), v in by_tokens.items()}
            if not pairs and len(converted) == len(by_tokens):
                pairs.update(converted)
                return packets, nbytes
        # pairs to add to, two spellings of one address, or rows of two days: one by one
        day_of = self.calendar.code
        for tokens_key, (pair_bytes, pair_packets) in by_tokens.items():
            src, dst = tokens_key[-2:]
            day = one_day if one_day is not None else day_of(seconds[tokens_key[0]])
            _add(pairs, (day, address[src], address[dst]), pair_bytes, pair_packets)
        return packets, nbytes

    def _lengths(self, rows: list[Row]) -> Iterable[int]:
        groups = self.fast.lengths
        if len(groups) == 1:
            return map(int, map(itemgetter(groups[0]), rows))
        # the IP length: IPv4's total length or IPv6's payload length, one of them empty
        return map(
            int, map(add, map(itemgetter(groups[0]), rows), map(itemgetter(groups[1]), rows))
        )

    def _resolve_seconds(self, tokens: set[bytes]) -> bool:
        known = self._seconds
        for token in tokens - known.keys():
            if self._epoch:
                known[token] = int(token)
                continue
            candidates = self._local_candidates(token.decode())
            if len(candidates) != 1:
                return False
            known[token] = candidates[0]
        return True

    def _resolve_addresses(self, tokens: set[bytes]) -> bool:
        known = self._addresses
        for token in tokens - known.keys():
            parsed = address_token(token.decode(), v6=b":" in token)
            if isinstance(parsed, str):
                return False
            known[token] = parsed[0]
        return True


def _summed(
    cell_keys: Iterable[tuple[bytes, ...]],
    pair_keys: Iterable[tuple[bytes, ...]],
    lengths: Iterable[int],
) -> tuple[Counts, Counts]:
    """[bytes, packets] per distinct cell key and per distinct pair key of parallel rows."""
    cells: Counts = {}
    pairs: Counts = {}
    cell_of = cells.get
    pair_of = pairs.get
    for cell_key, pair_key, length in zip(cell_keys, pair_keys, lengths, strict=True):
        counts = cell_of(cell_key)
        if counts is None:
            cells[cell_key] = [length, 1]
        else:
            counts[0] += length
            counts[1] += 1
        counts = pair_of(pair_key)
        if counts is None:
            pairs[pair_key] = [length, 1]
        else:
            counts[0] += length
            counts[1] += 1
    return cells, pairs


def _add(target: Counts, key: Any, nbytes: int, packets: int) -> None:
    counts = target.get(key)
    if counts is None:
        target[key] = [nbytes, packets]
    else:
        counts[0] += nbytes
        counts[1] += packets
