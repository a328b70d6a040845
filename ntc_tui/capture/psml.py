"""The summary columns this project asks tshark for, and the fast reader of their PSML rows."""

from __future__ import annotations

import re
import socket

from ntc_tui.errors import NtcError
from ntc_tui.records import (
    ARP,
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    IPV6_EXTENSION_HEADERS,
    MICROSECOND_DIGITS,
    OTHER,
    Address,
    PacketRecord,
    ethertype_name,
    ip_protocol_name,
    ipv6_transport,
)

# (title, gui.column.format code). Only the outermost IP header is dissected (see DISSECTION_ARGS),
# so every address and protocol column holds the values of that one header and its extensions.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("ts", "%Cus:frame.time_epoch:0:U"),  # epoch seconds, all the digits the capture has
    ("len", "%L"),  # frame length on the wire (frame.len), also when the capture was snapped short
    ("mac", "%uhs"),  # link-layer source address, unresolved; empty without a link layer
    ("src", "%Cus:ip.src||ipv6.src||arp.src.proto_ipv4:0:U"),
    ("dst", "%Cus:ip.dst||ipv6.dst||arp.dst.proto_ipv4:0:U"),
    # IPv4's protocol, or every next-header value of the IPv6 header and its extension headers
    (
        "proto",
        "%Cus:ip.proto||ipv6.nxt||ipv6.hopopts.nxt||ipv6.routing.nxt||ipv6.fraghdr.nxt"
        "||ipv6.dstopts.nxt:0:U",
    ),
    ("ethertype", "%Cus:eth.type||vlan.etype||sll.etype:0:U"),  # outer first, innermost last
)

# IP protocol numbers whose dissectors stay on: the IPv6 extension headers skipped to find the
# transport (records.IPV6_EXTENSION_HEADERS). Everything else after the outermost IP header is
# decoded as plain data: no inner IP header of a tunnel or an ICMP error can overwrite the outer
# one, and tshark does far less work per packet. (IPv4 shares the table: an IPv4 packet of
# protocol 0 runs the hop-by-hop dissector too, so only the first number counts for IPv4.)
_KEPT_IP_PROTOCOLS = tuple(sorted(IPV6_EXTENSION_HEADERS))


def _decode_as_data_ranges() -> list[str]:
    ranges, start = [], 0
    for kept in (*_KEPT_IP_PROTOCOLS, 256):
        if start < kept:
            ranges.append(f"ip.proto=={start}-{kept - 1},data")
        start = kept + 1
    return ranges


# tshark arguments that make the dissection stop after the outermost IP header's protocol.
DISSECTION_ARGS: tuple[str, ...] = tuple(
    arg for selector in _decode_as_data_ranges() for arg in ("-d", selector)
)
# Preferences: our columns; no reassembly (it would hide the first fragment's transport and keep
# state for ever on a live link).
PREFERENCES: dict[str, str] = {
    "gui.column.format": ",".join(f'"{title}","{code}"' for title, code in COLUMNS),
    "ip.defragment": "FALSE",
    "ipv6.defragment": "FALSE",
}

_SECTION = rb"<section>([^<]*)</section>\n"
# the timestamp's fraction is cut to microseconds by the pattern itself, as records.epoch_timestamp
# does: a float near 1.7e9 cannot hold nine decimals (x.999999999 would become the next second)
_TIMESTAMP_SECTION = rb"<section>([^<.]*(?:\.[^<]{0,%d})?)[^<]*</section>\n" % MICROSECOND_DIGITS
_ROW = re.compile(
    rb"<packet>\n" + _TIMESTAMP_SECTION + _SECTION * (len(COLUMNS) - 1) + rb"</packet>"
)
_STRUCTURE = re.compile(rb"<structure>\s*(.*?)</structure>", re.DOTALL)
_TITLE = re.compile(rb"<section>([^<]*)</section>")
_ROW_END = b"</packet>"
_CACHE_LIMIT = 200_000  # distinct texts kept converted per cache; a full cache starts again


class PsmlFormatError(NtcError):
    """tshark's summary output is not in the form this reader asked for."""


def read_structure(header: bytes) -> int | None:
    """End offset of the PSML ``<structure>`` header in ``header``, None while it is incomplete.

    Raises PsmlFormatError if tshark did not take our columns (e.g. a preference was refused).
    """
    match = _STRUCTURE.search(header)
    if match is None:
        return None
    titles = tuple(title.decode() for title in _TITLE.findall(match.group(1)))
    expected = tuple(title for title, _ in COLUMNS)
    if titles != expected:
        raise PsmlFormatError(
            f"tshark printed the summary columns {titles} instead of {expected}; "
            "check that tshark is version 3.0 or newer"
        )
    return match.end()


class PsmlRows:
    """Turns complete PSML ``<packet>`` rows into PacketRecords (SPEC §3), caching conversions.

    One instance per capture; ``feed`` takes the stream in any chunking and keeps the tail.
    """

    def __init__(self) -> None:
        self._addresses: dict[bytes, Address] = {}
        self._v4_protocols: dict[bytes, str] = {}
        self._v6_protocols: dict[bytes, str] = {}
        self._ethertypes: dict[bytes, str] = {}
        self._macs: dict[bytes, str | None] = {}
        self._caches = (
            self._addresses,
            self._v4_protocols,
            self._v6_protocols,
            self._ethertypes,
            self._macs,
        )

    def feed(self, data: bytes) -> tuple[list[PacketRecord], bytes]:
        """Records of every complete row in ``data``, and the incomplete rest to feed again."""
        end = data.rfind(_ROW_END)
        if end < 0:
            return [], data
        end += len(_ROW_END)
        rows = _ROW.findall(data, 0, end)
        if len(rows) != data.count(b"<packet>", 0, end):
            raise PsmlFormatError("tshark printed a summary row this reader does not understand")
        return self._records(rows), data[end:]

    def _records(self, rows: list[tuple[bytes, ...]]) -> list[PacketRecord]:
        for cache in self._caches:  # bounded whatever the traffic (a MAC or address flood)
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
        records: list[PacketRecord] = []
        append = records.append
        addresses, v4_protocols, v6_protocols, ethertypes, macs = self._caches
        for ts, length, mac, src, dst, proto, ether in rows:
            try:
                src_mac = macs[mac]
            except KeyError:
                src_mac = self._mac(mac)
            if src and dst:
                try:
                    src_address, dst_address = addresses[src], addresses[dst]
                except KeyError:
                    src_address, dst_address = self._address(src), self._address(dst)
                if b":" in src:
                    family = FAMILY_V6
                    try:
                        name = v6_protocols[proto]
                    except KeyError:
                        name = self._v6_protocol(proto)
                else:
                    family = FAMILY_V4
                    try:
                        name = v4_protocols[proto]
                    except KeyError:
                        name = self._v4_protocol(proto)
                append(
                    PacketRecord(
                        float(ts), int(length), family, src_address, dst_address, name, src_mac
                    )
                )
            else:
                try:
                    name = ethertypes[ether]
                except KeyError:
                    name = self._ethertype(ether)
                append(PacketRecord(float(ts), int(length), FAMILY_NONE, None, None, name, src_mac))
        return records

    def _address(self, text: bytes) -> Address:
        first = text.split(b",", 1)[0].decode()
        value: Address
        if ":" in first:
            value = socket.inet_pton(socket.AF_INET6, first)
        else:
            value = int.from_bytes(socket.inet_aton(first), "big")
        self._addresses[text] = value
        return value

    def _v4_protocol(self, text: bytes) -> str:
        # IPv4's own protocol number comes first; numbers after it are what the IPv6 extension
        # dissectors (which share the protocol table) read from the payload of protocol 0/43/44/60.
        # IPv4 addresses without any protocol number are ARP's.
        name = ip_protocol_name(int(text.split(b",", 1)[0])) if text else ARP
        self._v4_protocols[text] = name
        return name

    def _v6_protocol(self, text: bytes) -> str:
        chain = [int(number) for number in text.split(b",")]  # IPv6 always has a next header
        name = self._v6_protocols[text] = ip_protocol_name(ipv6_transport(chain))
        return name

    def _ethertype(self, text: bytes) -> str:
        name = ethertype_name(int(text.rsplit(b",", 1)[-1], 16)) if text else OTHER
        self._ethertypes[text] = name
        return name

    def _mac(self, text: bytes) -> str | None:
        mac = self._macs[text] = text.decode().lower() or None
        return mac
