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
    OTHER,
    Address,
    PacketRecord,
    ethertype_name,
    ip_protocol_name,
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
        "||ipv6.dstopts.nxt||mip6.proto||hip.proto||shim6.nxt:0:U",
    ),
    ("ethertype", "%Cus:eth.type||vlan.etype||sll.etype:0:U"),  # outer first, innermost last
)

# IP protocol numbers whose dissectors stay on: the IPv6 extension headers Wireshark dissects
# (hop-by-hop, routing, fragment, destination options, mobility, HIP, shim6). Everything else
# after the outermost IP header is decoded as plain data: no inner IP header of a tunnel or an
# ICMP error can overwrite the outer one, and tshark does far less work per packet.
_KEPT_IP_PROTOCOLS = (0, 43, 44, 60, 135, 139, 140)


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
_ROW = re.compile(rb"<packet>\n" + _SECTION * len(COLUMNS) + rb"</packet>")
_STRUCTURE = re.compile(rb"<structure>\s*(.*?)</structure>", re.DOTALL)
_TITLE = re.compile(rb"<section>([^<]*)</section>")
_ROW_END = b"</packet>"
_CACHE_LIMIT = 200_000  # distinct addresses kept converted; the cache restarts when it is full


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
        self._protocols: dict[bytes, str] = {}
        self._ethertypes: dict[bytes, str] = {}
        self._macs: dict[bytes, str | None] = {}

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
        if len(self._addresses) > _CACHE_LIMIT:
            self._addresses.clear()
        records: list[PacketRecord] = []
        append = records.append
        addresses, protocols, ethertypes, macs = (
            self._addresses,
            self._protocols,
            self._ethertypes,
            self._macs,
        )
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
                if proto:
                    try:
                        name = protocols[proto]
                    except KeyError:
                        name = self._protocol(proto)
                else:
                    name = ARP  # the only IPv4 addresses without an IP protocol number
                family = FAMILY_V6 if b":" in src else FAMILY_V4
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

    def _protocol(self, text: bytes) -> str:
        numbers = [int(number) for number in text.split(b",")]
        transport = next((n for n in numbers if n not in IPV6_EXTENSION_HEADERS), numbers[-1])
        name = self._protocols[text] = ip_protocol_name(transport)
        return name

    def _ethertype(self, text: bytes) -> str:
        name = ethertype_name(int(text.rsplit(b",", 1)[-1], 16)) if text else OTHER
        self._ethertypes[text] = name
        return name

    def _mac(self, text: bytes) -> str | None:
        mac = self._macs[text] = text.decode().lower() or None
        return mac
