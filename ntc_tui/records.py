"""Shared vocabulary: packet records, address and date encodings, SPEC §3 protocol names."""

from __future__ import annotations

import calendar
import socket
import time
from typing import NamedTuple

# An IPv4 address is its u32 value (10.200.0.1 == 0x0AC80001); an IPv6 address is its 16 bytes.
Address = int | bytes

FAMILY_NONE = 0  # no IP addresses: counted in totals and protocols only
FAMILY_V4 = 4  # IPv4 and ARP (sender/target protocol addresses)
FAMILY_V6 = 6


class PacketRecord(NamedTuple):
    """One captured or imported frame, reduced to what the counting rules of SPEC §3 need."""

    ts: float  # epoch seconds of the packet's own timestamp
    length: int  # frame length on the wire (never capped)
    family: int  # FAMILY_NONE, FAMILY_V4 or FAMILY_V6
    src: Address | None  # None when family is FAMILY_NONE
    dst: Address | None
    proto: str  # SPEC §3 protocol name, at most 8 ASCII characters
    src_mac: str | None  # lower-case "aa:bb:cc:dd:ee:ff" when the input shows the link layer


class PairKey(NamedTuple):
    """The per-connection accounting key: (day, source, destination) of one address family."""

    day: int  # date code, see encode_date
    src: Address
    dst: Address


# --- protocol names (SPEC §3) ---------------------------------------------------------------------

IP_PROTOCOL_NAMES: dict[int, str] = {
    1: "ICMP",
    2: "IGMP",
    6: "TCP",
    17: "UDP",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "ICMPv6",
    89: "OSPF",
    132: "SCTP",
}
# IPv6 extension headers skipped to find the transport: those RFC 8200 places before the upper
# layer (hop-by-hop, routing, fragment, destination options). AH and ESP are reported as such;
# mobility (135), HIP (139), shim6 (140) carry no transport of their own and are named IP-N.
IPV6_EXTENSION_HEADERS = frozenset({0, 43, 44, 60})
ARP = "ARP"
OTHER = "OTHER"  # a non-IP frame whose ethertype the input does not show
ETHERTYPE_ARP = 0x0806
PROTO_NAME_MAX = 8


def ip_protocol_name(number: int) -> str:
    """Name of an IP protocol number: one of SPEC §3's names, else ``IP-N``."""
    return IP_PROTOCOL_NAMES.get(number) or f"IP-{number}"


def ipv6_transport(chain: list[int]) -> int:
    """The transport of an IPv6 packet from its next-header values in order (the IPv6 header's,
    then each extension header's): the first that is not an extension header."""
    return next((n for n in chain if n not in IPV6_EXTENSION_HEADERS), chain[-1])


def ethertype_name(ethertype: int) -> str:
    """Protocol name of a frame without IP: ``ARP`` or the ethertype as ``0xNNNN``."""
    return ARP if ethertype == ETHERTYPE_ARP else f"0x{ethertype:04x}"


# --- addresses -----------------------------------------------------------------------------------


def parse_ipv4(text: str) -> int:
    """The u32 value of a dotted IPv4 address; ValueError if it is not one."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        raise ValueError(f"not an IPv4 address: {text!r}") from None


def parse_ipv6(text: str) -> bytes:
    """The 16 bytes of an IPv6 address; ValueError if it is not one."""
    try:
        return socket.inet_pton(socket.AF_INET6, text)
    except OSError:
        raise ValueError(f"not an IPv6 address: {text!r}") from None


def parse_address(text: str) -> Address:
    """An IPv4 or IPv6 address from its usual text form; ValueError if it is neither."""
    return parse_ipv6(text) if ":" in text else parse_ipv4(text)


def format_address(address: Address) -> str:
    """The usual text form of an address (dotted IPv4, compressed IPv6)."""
    if isinstance(address, int):
        return socket.inet_ntoa(address.to_bytes(4, "big"))
    return socket.inet_ntop(socket.AF_INET6, address)


def address_family(address: Address) -> int:
    """FAMILY_V4 for an int address, FAMILY_V6 for a 16-byte one."""
    return FAMILY_V4 if isinstance(address, int) else FAMILY_V6


# --- timestamps ----------------------------------------------------------------------------------

MICROSECOND_DIGITS = 6


def epoch_timestamp(text: str) -> float:
    """Epoch seconds of ``S.FFF…``, the fraction cut to microseconds: a float near 1.7e9 cannot
    hold nine decimals, and ``x.999999999`` would round up into the next second (and day)."""
    whole, _, fraction = text.partition(".")
    fraction = fraction[:MICROSECOND_DIGITS]
    return int(whole) + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


# --- dates ---------------------------------------------------------------------------------------


def encode_date(year: int, month: int, day: int) -> int:
    """The original's date code: ``year << 16 | month << 8 | day``."""
    return year << 16 | month << 8 | day


def decode_date(code: int) -> tuple[int, int, int]:
    """(year, month, day) of a date code."""
    return code >> 16, code >> 8 & 0xFF, code & 0xFF


class DayCalendar:
    """Maps epoch timestamps to date codes in local time (or UTC), caching the current day."""

    def __init__(self, utc: bool = False) -> None:
        self.utc = utc
        self._start = 1.0
        self._end = 0.0  # empty span: the first call fills it
        self._code = 0

    def code(self, ts: float) -> int:
        """Date code of the day that holds ``ts``."""
        if self._start <= ts < self._end:
            return self._code
        return self._fill(ts)

    def _fill(self, ts: float) -> int:
        if self.utc:
            tm = time.gmtime(ts)
            start = calendar.timegm((tm.tm_year, tm.tm_mon, tm.tm_mday, 0, 0, 0))
            end = start + 86400
        else:
            tm = time.localtime(ts)
            start = int(time.mktime((tm.tm_year, tm.tm_mon, tm.tm_mday, 0, 0, 0, 0, 0, -1)))
            end = int(time.mktime((tm.tm_year, tm.tm_mon, tm.tm_mday + 1, 0, 0, 0, 0, 0, -1)))
        self._start, self._end = float(start), float(end)
        self._code = encode_date(tm.tm_year, tm.tm_mon, tm.tm_mday)
        return self._code
