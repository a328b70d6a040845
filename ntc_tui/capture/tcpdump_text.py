"""The grammar of tcpdump's text output: one packet line (and its -v second line) to a record.

Every tcpdump variant SPEC §6 lists is read here: the clocks (-tt, -tttt, nanoseconds, the
default time of day with a date given), -# numbers, `-i any` interface and direction, -e link
headers (Ethernet, Linux cooked v1/v2, raw IP), VLAN tags, -v headers (IPv4 on two lines), IPv4,
IPv6 with its extension headers, ARP and other link protocols. The counting rules are SPEC §3's:
the outermost IP header's addresses and transport; the length rule is SPEC §6's (frame length
from -e, else the IP length from -v, else the length tcpdump prints). What tcpdump does not print
cannot be known: an ARP reply does not show its target address, so it counts without a pair; an
IPv6 fragment after the first does not show its transport, so it counts as OTHER.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import socket
import time
from dataclasses import dataclass

from ntc_tui.records import (
    ARP,
    ETHERTYPE_ARP,
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    IPV6_EXTENSION_HEADERS,
    OTHER,
    Address,
    PacketRecord,
    epoch_timestamp,
    ethertype_name,
    ip_protocol_name,
)

# Why a line was rejected (SPEC §6).
RERUN_WITH_N = "re-run tcpdump with -n"
NAME_RESOLVED = f"name-resolved address ({RERUN_WITH_N})"
NO_TIMESTAMP = "no timestamp"
NO_DATE = "no absolute date"
MALFORMED = "malformed header"
TRUNCATED = "truncated last line"
BINARY = "NUL or binary garbage"
OVERLONG = "overlong line"

# Which length a packet was counted with (SPEC §6's length rule).
LENGTH_FRAME = "frame"  # the link header's frame length (-e)
LENGTH_IP = "ip"  # IPv4 total length, or IPv6 payload length + 40 (-v)
LENGTH_PRINTED = "printed"  # the length tcpdump prints for the packet's contents
LENGTH_NONE = "none"  # tcpdump printed no length: the packet counts with 0 bytes
LENGTH_KINDS = (LENGTH_FRAME, LENGTH_IP, LENGTH_PRINTED, LENGTH_NONE)

# Clocks a line can start with.
CLOCK_EPOCH, CLOCK_DATETIME, CLOCK_TIME_OF_DAY, CLOCK_RELATIVE, CLOCK_NONE = (
    "epoch",
    "date and time",
    "time of day",
    "relative",
    "none",
)
# Link-layer headers tcpdump -e prints.
LINK_ETHERNET, LINK_SLL, LINK_SLL2, LINK_RAW = "ethernet", "sll", "sll2", "raw"
IPV6_HEADER_BYTES = 40
ETHERNET_HEADER_BYTES = 14  # the MAC addresses and the length field of an 802.3 frame
_HALF_DAY = 43200

# How packet lines start (also read as bytes by tcpdump_chunks and tcpdump_fast): a -# number;
# a relative clock (-ttt, -ttttt), which tcpdump prints after a space.
NUMBER_PATTERN = r" *\d+  (?=\S| \d)"
RELATIVE_START_PATTERN = r" +\d+:\d\d:\d\d\.\d+ "
_NUMBER = re.compile(NUMBER_PATTERN)
_EPOCH = re.compile(r"\d+\.\d+ ")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.(\d+) ")
_TIME_OF_DAY = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d+) ")
_RELATIVE = re.compile(r"[ -]?\d+:\d\d:\d\d\.\d+ ")  # -ttt, -ttttt: from a start, not a date
_INTERFACE = re.compile(r"\S+ +(?:In|Out|B|M|P) +")
_ETHERTYPE = r"ethertype [^(,]+ \(0x([0-9a-f]{4})\), length (\d+): ?"
_LINK = re.compile(
    "(?:"
    + r"(\S+) > \S+, (?:"
    + _ETHERTYPE
    + r"|802\.3, length (\d+): ?)"  # Ethernet
    + r"| *(?:In|Out|B|M|P) (\S+) "
    + _ETHERTYPE  # Linux cooked v1 (SLL)
    + r"|ifindex \d+ (\S+) "
    + _ETHERTYPE  # Linux cooked v2 (SLL2)
    + r"|(ip): "  # raw IP
    + ")"
)
_VLAN = re.compile(r"vlan \d+, p \d+(?:, DEI)?, ethertype [^(,]+ \(0x([0-9a-f]{4})\),? ?")
_MAC = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}")
_MAC_START = re.compile(r"[0-9a-fA-F]{2}:[0-9a-fA-F]{2}:")
_KNOWN_STARTS = ("IP ", "IP6 ", "ARP, ")
_IPV4_HEADER = re.compile(r"\(tos .*?proto \S+ \((\d+)\), length (\d+).*\)\s*$")
_IPV6_HEADER = re.compile(r"\(([^)]*?)next-header \S+ \((\d+)\) payload length: (\d+)\) ")
_ADDRESSES = re.compile(r"(\S+) > (\S+):(?: +|$)")
_HOSTNAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_ARP_HEADER = re.compile(r"(?:Ethernet \(len \d+\), IPv4 \(len \d+\), )?")
_ARP_REQUEST = re.compile(r"Request who-has (\S+)(?: \([^)]*\))? tell (\S+?),")
_PRINTED_LENGTH = re.compile(r"\blength (\d+)|\bip-proto-\d+ (\d+)")
_TRAILING_LENGTH = re.compile(r"\((\d+)\)\s*$")
# tcpdump's words for the IPv6 extension headers it prints before the transport; a fragment
# with a non-zero offset ends the walk (tcpdump does not print what it carries)
_EXTENSION = re.compile(
    r"(?:(?:HBH|DSTOPT|RT6|srcrt)(?: ?\([^)]*\))*|frag \((?:[0-9a-fx]+:)?(\d+)\|\d+\))"
    r":?\s*"
)
_PORTS_ONLY = re.compile(r"[\w-]+ > [\w-]+: ?")
_NOTES = re.compile(r"(?:\[[^]|][^]]*\] ?)*")
_TCP = re.compile(r"Flags \[|tcp |\[\|tcp\]")
# first words of tcpdump's printers for transports shown without ports -> IP protocol number
_TRANSPORT_WORDS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern), number)
    for pattern, number in (
        (r"ICMP6\b", 58),
        (r"ICMP\b", 1),
        (r"igmp\b", 2),
        (r"GREv\d", 47),
        (r"ESP\(", 50),
        (r"AH\(", 51),
        (r"OSPFv\d", 89),
        (r"(?:VRRP|CARP)v\d", 112),
        (r"PIMv\d", 103),
        (r"EIGRP\b", 88),
        (r"RSVP", 46),
        (r"no next header", 59),
        (r"sctp\b", 132),
        (r"DCCP\b", 33),
        (r"mobility\b", 135),
        (r"(?:IP |\(tos )", 4),
        (r"(?:IP6 |\((?:class|flowlabel|hlim) )", 41),
    )
)
_IP_PROTO = re.compile(r"\s*ip-proto-(\d+)")
_INNER_ADDRESS = re.compile(r"(\S+) > \S+: ")
# first words of tcpdump's printers for link protocols without IP, when -e does not show the
# ethertype (verified against tcpdump's -e output for the same frames in the tests)
LINK_WORDS: dict[str, int] = {"LLDP,": 0x88CC}


# what the network layer of a line shows: (family, src, dst, protocol, length, length rule,
# whether the IP header is shown)
_Network = tuple[int, Address | None, Address | None, str, int, str, bool]


@dataclass(frozen=True)
class LineShape:
    """What a parsed packet line showed: the options tcpdump was run with."""

    numbered: bool  # -#
    clock: str  # CLOCK_*
    interface: bool  # `-i any`: interface name and direction after the time
    link: str  # -e: the link-layer header shown (LINK_*), "" for none
    verbose: bool  # -v: the IP header is shown (IPv4's on its own line, addresses on the next)


@dataclass(frozen=True)
class Parsed:
    """A packet line read: its record, the length rule used, the options it shows."""

    record: PacketRecord
    length_kind: str
    shape: LineShape


class _RejectError(Exception):
    """Internal: the line is rejected for ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LineParser:
    """Reads packet lines of one file; keeps the state its local clocks need.

    ``date`` is the day of the first time-of-day line (`--date`); a time more than twelve hours
    earlier than the previous one moves to the next day (midnight), one more than twelve hours
    later belongs to the day before (a late packet just after midnight). A local time that the
    end of daylight saving time repeats is placed nearest to the previous line's time, so that
    the second pass through the repeated hour gets the later offset.
    """

    def __init__(self, date: datetime.date | None = None) -> None:
        self._date = date
        self._day_offset = 0
        self._last_time_of_day: int | None = None
        self._last_local: int | None = None  # epoch second of the previous local clock
        self._tokens: dict[tuple[str, bool], tuple[Address, bool] | str] = {}
        self._local: dict[str, tuple[int, ...]] = {}  # "YYYY-MM-DD HH:MM:SS" -> epoch seconds
        self._days: dict[tuple[int, int], tuple[int, ...]] = {}  # (day offset, second of day)

    def parse(self, line: str, next_line: str | None) -> Parsed | str:
        """The packet of ``line`` (with its continuation ``next_line``), or why it is rejected.

        Returns TRUNCATED if the packet needs a next line and ``next_line`` is None.
        """
        try:
            return self._parse(line, next_line)
        except _RejectError as reject:
            return reject.reason

    def _parse(self, line: str, next_line: str | None) -> Parsed:
        number = _NUMBER.match(line)
        pos = number.end() if number else 0
        clock, ts, pos = self._clock(line, pos)
        interface = _INTERFACE.match(line, pos)
        if interface:
            pos = interface.end()
        ethertype, frame_length, src_mac, link, pos = _link(line, pos)
        body = line[pos:]
        if ethertype is None and _MAC_START.match(body):
            raise _RejectError(MALFORMED)  # a link header that does not end as tcpdump ends it
        family, src, dst, proto, length, kind, verbose = self._network(body, ethertype, next_line)
        if clock == CLOCK_NONE:
            known = (
                bool(link) or body.startswith(_KNOWN_STARTS) or body.split(" ", 1)[0] in LINK_WORDS
            )
            raise _RejectError(NO_TIMESTAMP if known else MALFORMED)
        if ts is None:
            raise _RejectError(NO_DATE)
        if frame_length is not None:
            length, kind = frame_length, LENGTH_FRAME
        shape = LineShape(number is not None, clock, interface is not None, link, verbose)
        return Parsed(PacketRecord(ts, length, family, src, dst, proto, src_mac), kind, shape)

    # --- clocks ----------------------------------------------------------------------------------

    def follow_clock(self, line: str) -> None:
        """Move the clock state over a packet line counted before (the prefix of a continued
        file), as reading it did."""
        number = _NUMBER.match(line)
        with contextlib.suppress(_RejectError):
            self._clock(line, number.end() if number else 0)

    def _clock(self, line: str, pos: int) -> tuple[str, float | None, int]:
        """(clock kind, epoch timestamp or None if it cannot be placed, position after it)."""
        match = _EPOCH.match(line, pos)
        if match:
            return CLOCK_EPOCH, epoch_timestamp(line[pos : match.end() - 1]), match.end()
        match = _DATETIME.match(line, pos)
        if match:
            whole = self.local_seconds(line[pos : pos + 19])
            if whole is None:
                raise _RejectError(MALFORMED)
            return CLOCK_DATETIME, epoch_timestamp(f"{whole}.{match[1]}"), match.end()
        match = _TIME_OF_DAY.match(line, pos)
        if match:
            hour, minute, second, fraction = match.groups()
            whole = self._time_of_day(int(hour) * 3600 + int(minute) * 60 + int(second))
            ts = None if whole is None else epoch_timestamp(f"{whole}.{fraction}")
            return CLOCK_TIME_OF_DAY, ts, match.end()
        match = _RELATIVE.match(line, pos)
        if match:
            return CLOCK_RELATIVE, None, match.end()
        return CLOCK_NONE, None, pos

    def local_seconds(self, stamp: str) -> int | None:
        """Epoch seconds of a local "YYYY-MM-DD HH:MM:SS", placed after the previous line's;
        None if no such time exists."""
        candidates = self.local_candidates(stamp)
        return self._placed(candidates) if candidates else None

    def local_candidates(self, stamp: str) -> tuple[int, ...]:
        """The epoch seconds a local "YYYY-MM-DD HH:MM:SS" can be (cached): one, two in the hour
        the end of daylight saving time repeats, none if it is not a time."""
        candidates = self._local.get(stamp)
        if candidates is None:
            try:
                year, month, day = int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10])
                hour, minute, second = int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19])
                candidates = local_epochs((year, month, day, hour, minute, second))
            except ValueError:
                candidates = ()
            self._local[stamp] = candidates
        return candidates

    def _placed(self, candidates: tuple[int, ...]) -> int:
        """The candidate nearest to the previous local clock's time (the earlier on a tie)."""
        last = self._last_local
        chosen = candidates[0]
        if len(candidates) > 1 and last is not None:
            chosen = min(candidates, key=lambda candidate: abs(candidate - last))
        self._last_local = chosen
        return chosen

    def _time_of_day(self, second_of_day: int) -> int | None:
        if self._date is None:
            return None
        if second_of_day >= 86400:
            raise _RejectError(MALFORMED)
        offset = self._day_offset
        last = self._last_time_of_day
        if last is not None and second_of_day < last - _HALF_DAY:
            offset = self._day_offset = self._day_offset + 1
            self._last_time_of_day = second_of_day
        elif last is not None and second_of_day > last + _HALF_DAY:
            offset -= 1  # a late packet from before midnight: the day does not move back
        else:
            self._last_time_of_day = second_of_day
        key = (offset, second_of_day)
        candidates = self._days.get(key)
        if candidates is None:
            day = self._date + datetime.timedelta(days=offset)
            hour, rest = divmod(second_of_day, 3600)
            fields = (day.year, day.month, day.day, hour, rest // 60, rest % 60)
            candidates = self._days[key] = local_epochs(fields)
        return self._placed(candidates)

    # --- network layer ---------------------------------------------------------------------------

    def _network(self, text: str, ethertype: int | None, next_line: str | None) -> _Network:
        """(family, src, dst, proto, length, length kind, whether the IP header is shown)."""
        if ethertype == 0x0800 or (ethertype is None and text.startswith("IP ")):
            return self._ipv4(text.removeprefix("IP ") if ethertype is None else text, next_line)
        if ethertype == 0x86DD or (ethertype is None and text.startswith("IP6 ")):
            return self._ipv6(text.removeprefix("IP6 ") if ethertype is None else text)
        if ethertype == -1:  # raw IP with -e: the family shows in the header or the addresses
            if text.startswith("(tos ") or _is_ipv4_pair(text):
                return self._ipv4(text, next_line)
            return self._ipv6(text)
        if ethertype == ETHERTYPE_ARP or (ethertype is None and text.startswith("ARP, ")):
            return self._arp(text.removeprefix("ARP, ") if ethertype is None else text)
        if ethertype is not None:
            proto = ethertype_name(ethertype)
        else:
            word = LINK_WORDS.get(text.split(" ", 1)[0])
            proto = OTHER if word is None else ethertype_name(word)
        length, kind = _printed_length(text)
        return FAMILY_NONE, None, None, proto, length, kind, False

    def _ipv4(self, text: str, next_line: str | None) -> _Network:
        header = _IPV4_HEADER.match(text)
        number: int | None = None
        length_kind = LENGTH_PRINTED
        ip_length = 0
        if header:
            if next_line is None:
                raise _RejectError(TRUNCATED)
            number, ip_length, length_kind = int(header[1]), int(header[2]), LENGTH_IP
            text = next_line.lstrip()
        src, dst, has_port, rest = self._pair(text, v6=False)
        proto = transport_name(rest, has_port) if number is None else ip_protocol_name(number)
        if length_kind == LENGTH_PRINTED:
            ip_length, length_kind = _printed_length(rest)
        verbose = header is not None
        return FAMILY_V4, src, dst, proto, ip_length, length_kind, verbose

    def _ipv6(self, text: str) -> _Network:
        header = _IPV6_HEADER.match(text)
        number: int | None = None
        if header:
            number = int(header[2])
            text = text[header.end() :]
        src, dst, has_port, rest = self._pair(text, v6=True)
        if number is None or number in IPV6_EXTENSION_HEADERS:
            proto = transport_name(rest, has_port)
        else:
            proto = ip_protocol_name(number)
        if header:
            length, kind = int(header[3]) + IPV6_HEADER_BYTES, LENGTH_IP
        else:
            length, kind = _printed_length(rest)
        return FAMILY_V6, src, dst, proto, length, kind, header is not None

    def _arp(self, text: str) -> _Network:
        text = text[_ARP_HEADER.match(text).end() :]  # type: ignore[union-attr]  # always matches
        length, kind = _printed_length(text)
        request = _ARP_REQUEST.match(text)
        if request:
            target, _ = self._address(request[1], v6=False)
            sender, _ = self._address(request[2], v6=False)
            return FAMILY_V4, sender, target, ARP, length, kind, False
        return FAMILY_NONE, None, None, ARP, length, kind, False

    def _pair(self, text: str, v6: bool) -> tuple[Address, Address, bool, str]:
        """(src, dst, whether they carry ports, the rest of the line) of "SRC > DST: rest"."""
        match = _ADDRESSES.match(text)
        if match is None:
            raise _RejectError(MALFORMED)
        src, has_port = self._address(match[1], v6)
        dst, _ = self._address(match[2], v6)
        return src, dst, has_port, text[match.end() :]

    def _address(self, token: str, v6: bool) -> tuple[Address, bool]:
        """(address, whether a port follows it) of a token such as 10.0.0.1.443 or fd00::1."""
        key = (token, v6)
        known = self._tokens.get(key)
        if known is None:
            known = self._tokens[key] = address_token(token, v6)
        if isinstance(known, str):
            raise _RejectError(known)
        return known


def local_epochs(fields: tuple[int, int, int, int, int, int]) -> tuple[int, ...]:
    """The epoch seconds a local (year, month, day, hour, minute, second) can be, in order:
    two in the hour the end of daylight saving time repeats; none if it is not a date; the one
    mktime gives for a time the start of daylight saving time skips."""
    try:
        datetime.datetime(*fields)
    except ValueError:
        return ()
    found = set()
    for isdst in (0, 1):
        try:
            epoch = int(time.mktime((*fields, 0, 0, isdst)))
        except (OverflowError, ValueError):
            continue
        if time.localtime(epoch)[:6] == fields:
            found.add(epoch)
    if not found:
        found.add(int(time.mktime((*fields, 0, 0, -1))))
    return tuple(sorted(found))


def is_relative_clock(line: str) -> bool:
    """Whether a packet line starts (after any -# number) with a relative clock (-ttt, -ttttt)."""
    number = _NUMBER.match(line)
    pos = number.end() if number else 0
    return _RELATIVE.match(line, pos) is not None and not _TIME_OF_DAY.match(line, pos)


def address_token(token: str, v6: bool) -> tuple[Address, bool] | str:
    """(address, has port) of an address token, or the reject reason (a host name: resolved)."""
    if v6:
        for candidate, has_port in ((token, False), (token.rpartition(".")[0], True)):
            try:
                return socket.inet_pton(socket.AF_INET6, candidate), has_port
            except OSError:
                continue
    else:
        parts = token.split(".")
        if len(parts) in (4, 5):
            try:
                packed = socket.inet_pton(socket.AF_INET, ".".join(parts[:4]))
                return int.from_bytes(packed, "big"), len(parts) == 5
            except OSError:
                pass
    if _HOSTNAME.fullmatch(token) and any(c.isalpha() for c in token):
        return NAME_RESOLVED
    return MALFORMED


def _is_ipv4_pair(text: str) -> bool:
    match = _INNER_ADDRESS.match(text)
    return match is not None and ":" not in match[1]


def _link(line: str, pos: int) -> tuple[int | None, int | None, str | None, str, int]:
    """(innermost ethertype shown, -1 for raw IP, or None; frame length or None; source MAC;
    the link header shown (LINK_*, "" for none); position after it and any VLAN tags)."""
    match = _LINK.match(line, pos)
    if match is None:
        return None, None, None, "", pos
    (ether_src, ether_type, ether_length, llc_length, sll_src, sll_type, sll_length) = match.group(
        1, 2, 3, 4, 5, 6, 7
    )
    sll2_src, sll2_type, sll2_length, raw = match.group(8, 9, 10, 11)
    pos = match.end()
    if raw:
        return -1, None, None, LINK_RAW, pos
    link = LINK_SLL if sll_src else LINK_SLL2 if sll2_src else LINK_ETHERNET
    mac = ether_src or sll_src or sll2_src
    src_mac = mac.lower() if mac and _MAC.fullmatch(mac) else None
    kind = ether_type or sll_type or sll2_type
    if kind is None:  # 802.3 with an LLC header: no ethertype; tcpdump shows the length field
        return None, int(llc_length) + ETHERNET_HEADER_BYTES, src_mac, link, pos
    ethertype = int(kind, 16)
    while vlan := _VLAN.match(line, pos):
        ethertype, pos = int(vlan[1], 16), vlan.end()
    frame_length = int(ether_length or sll_length or sll2_length)
    return ethertype, frame_length, src_mac, link, pos


def transport_name(rest: str, has_port: bool) -> str:
    """SPEC §3's name of the transport shown by ``rest`` (the text after "SRC > DST: "), OTHER if
    tcpdump's text does not show it; ``has_port``: the addresses carried ports."""
    number = _transport(rest, has_port)
    return OTHER if number is None else ip_protocol_name(number)


def _transport(rest: str, has_port: bool) -> int | None:
    """The IP protocol number tcpdump's text shows after the addresses, None if it shows none."""
    pos = 0
    while extension := _EXTENSION.match(rest, pos):
        if extension[1] not in (None, "0"):
            return None  # a later fragment: tcpdump does not say what it carries
        pos = extension.end()
    ports = _PORTS_ONLY.match(rest, pos)
    if ports:
        has_port, pos = True, ports.end()
    pos = _NOTES.match(rest, pos).end()  # type: ignore[union-attr]  # always matches
    if has_port:
        if _TCP.match(rest, pos):
            return 6
        if rest.startswith(("sctp", "DCCP"), pos):
            return 132 if rest.startswith("sctp", pos) else 33
        return 17
    for pattern, number in _TRANSPORT_WORDS:
        if pattern.match(rest, pos):
            return number
    ip_proto = _IP_PROTO.match(rest, pos)
    if ip_proto:
        return int(ip_proto[1])
    inner = _INNER_ADDRESS.match(rest, pos)
    if inner:
        return 41 if ":" in inner[1] else 4
    return None


def _printed_length(text: str) -> tuple[int, str]:
    match = _PRINTED_LENGTH.search(text) or _TRAILING_LENGTH.search(text)
    if match:
        return int(match[match.lastindex or 1]), LENGTH_PRINTED
    return 0, LENGTH_NONE
