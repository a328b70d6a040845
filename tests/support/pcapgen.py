"""Builds real Ethernet frames (IPv4/IPv6, TCP/UDP/ICMP, ARP, raw ethertypes) and writes pcap files.

Tests and benchmarks use it to make traffic with a known mix; tshark, tcpdump and tcpreplay read
the files it writes, and the same frames can be sent on a veth pair through an AF_PACKET socket.
"""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BROADCAST = "ff:ff:ff:ff:ff:ff"
ETH_IPV4, ETH_IPV6, ETH_ARP, ETH_LLDP, ETH_VLAN = 0x0800, 0x86DD, 0x0806, 0x88CC, 0x8100
PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_ICMPV6, PROTO_GRE = 1, 6, 17, 58, 47
PROTO_IPIP, PROTO_IPV6_IN_IP, PROTO_NO_NEXT_HEADER, PROTO_MOBILITY = 4, 41, 59, 135
IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_FRAGMENT, IPV6_DESTINATION_OPTIONS = 0, 43, 44, 60
LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL = 1, 101, 113


def mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(":"))


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(src_mac: str, dst_mac: str, ethertype: int, payload: bytes) -> bytes:
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ethertype) + payload


def ipv4(
    src: str, dst: str, proto: int, payload: bytes, ttl: int = 64, fragment: int = 0x4000
) -> bytes:
    """An IPv4 header in front of ``payload``; ``fragment`` is the flags + offset field."""
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        0x1234,
        fragment,
        ttl,
        proto,
        0,
        socket.inet_aton(src),
        socket.inet_aton(dst),
    )
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + payload


def ipv6(src: str, dst: str, next_header: int, payload: bytes, hop_limit: int = 64) -> bytes:
    return (
        struct.pack("!IHBB", 6 << 28, len(payload), next_header, hop_limit)
        + socket.inet_pton(socket.AF_INET6, src)
        + socket.inet_pton(socket.AF_INET6, dst)
        + payload
    )


def hop_by_hop(next_header: int, payload: bytes) -> bytes:
    """An IPv6 hop-by-hop options header (PadN only) in front of ``payload``."""
    return struct.pack("!BB", next_header, 0) + b"\x01\x04\0\0\0\0" + payload


def destination_options(next_header: int, payload: bytes) -> bytes:
    """An IPv6 destination options header (PadN only) in front of ``payload``."""
    return hop_by_hop(next_header, payload)


def routing_header(next_header: int, payload: bytes) -> bytes:
    """An IPv6 routing header (type 0, no segments left) in front of ``payload``."""
    return struct.pack("!BBBBI", next_header, 0, 0, 0, 0) + payload


def fragment_header(next_header: int, payload: bytes, offset: int = 0, more: bool = False) -> bytes:
    """An IPv6 fragment header (``offset`` in 8-byte units) in front of ``payload``."""
    return struct.pack("!BBHI", next_header, 0, offset << 3 | int(more), 0x5EED) + payload


def _pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    if ":" in src:
        return (
            socket.inet_pton(socket.AF_INET6, src)
            + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!IxxxB", length, proto)
        )
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!xBH", proto, length)


def tcp(
    src: str, dst: str, sport: int, dport: int, payload: bytes = b"", flags: int = 0x18
) -> bytes:
    header = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4, flags, 65535, 0, 0)
    segment = header + payload
    csum = _checksum(_pseudo_header(src, dst, PROTO_TCP, len(segment)) + segment)
    return segment[:16] + struct.pack("!H", csum) + segment[18:]


def udp(src: str, dst: str, sport: int, dport: int, payload: bytes = b"") -> bytes:
    datagram = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    csum = _checksum(_pseudo_header(src, dst, PROTO_UDP, len(datagram)) + datagram) or 0xFFFF
    return datagram[:6] + struct.pack("!H", csum) + datagram[8:]


def icmp_echo(payload: bytes = b"ping", ident: int = 1, seq: int = 1) -> bytes:
    message = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    return message[:2] + struct.pack("!H", _checksum(message)) + message[4:]


def icmpv6_echo(
    src: str, dst: str, payload: bytes = b"ping", ident: int = 1, seq: int = 1
) -> bytes:
    message = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    csum = _checksum(_pseudo_header(src, dst, PROTO_ICMPV6, len(message)) + message)
    return message[:2] + struct.pack("!H", csum) + message[4:]


def icmp_error(inner: bytes, kind: int = 3, code: int = 3) -> bytes:
    """An ICMP error (default: port unreachable) quoting the first 28 bytes of ``inner``."""
    message = struct.pack("!BBHI", kind, code, 0, 0) + inner[:28]
    return message[:2] + struct.pack("!H", _checksum(message)) + message[4:]


def icmpv6_error(src: str, dst: str, inner: bytes, kind: int = 1, code: int = 4) -> bytes:
    """An ICMPv6 error (default: port unreachable) quoting ``inner``."""
    message = struct.pack("!BBHI", kind, code, 0, 0) + inner
    csum = _checksum(_pseudo_header(src, dst, PROTO_ICMPV6, len(message)) + message)
    return message[:2] + struct.pack("!H", csum) + message[4:]


def gre(protocol: int, payload: bytes) -> bytes:
    """A GRE header without options carrying ``payload`` of ethertype ``protocol``."""
    return struct.pack("!HH", 0, protocol) + payload


def linux_cooked(frame: bytes, outgoing: bool = False) -> bytes:
    """An Ethernet frame as `-i any` captures it: the Linux cooked (SLL) header instead."""
    packet_type = 4 if outgoing else 0  # PACKET_OUTGOING / PACKET_HOST
    return struct.pack("!HHH8s", packet_type, 1, 6, frame[6:12] + b"\0\0") + frame[12:]


def vlan(vid: int, ethertype: int, payload: bytes) -> bytes:
    """An 802.1Q tag (after the outer ethertype 0x8100) in front of ``payload``."""
    return struct.pack("!HH", vid & 0xFFF, ethertype) + payload


def arp(op: int, sender_mac: str, sender_ip: str, target_mac: str, target_ip: str) -> bytes:
    return struct.pack(
        "!HHBBH6s4s6s4s",
        1,
        ETH_IPV4,
        6,
        4,
        op,
        mac_bytes(sender_mac),
        socket.inet_aton(sender_ip),
        mac_bytes(target_mac),
        socket.inet_aton(target_ip),
    )


@dataclass(frozen=True)
class Host:
    """One end of a test link: its MAC, IPv4 and IPv6 addresses."""

    mac: str
    ip4: str
    ip6: str


def frame_tcp4(a: Host, b: Host, size: int, sport: int = 40000, dport: int = 80) -> bytes:
    payload = bytes(max(0, size - 54))
    return ethernet(
        a.mac,
        b.mac,
        ETH_IPV4,
        ipv4(a.ip4, b.ip4, PROTO_TCP, tcp(a.ip4, b.ip4, sport, dport, payload)),
    )


def frame_udp4(a: Host, b: Host, size: int, sport: int = 40000, dport: int = 53) -> bytes:
    payload = bytes(max(0, size - 42))
    return ethernet(
        a.mac,
        b.mac,
        ETH_IPV4,
        ipv4(a.ip4, b.ip4, PROTO_UDP, udp(a.ip4, b.ip4, sport, dport, payload)),
    )


def frame_icmp4(a: Host, b: Host, size: int) -> bytes:
    payload = bytes(max(0, size - 42))
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_ICMP, icmp_echo(payload)))


def frame_tcp6(a: Host, b: Host, size: int, sport: int = 40000, dport: int = 443) -> bytes:
    payload = bytes(max(0, size - 74))
    return ethernet(
        a.mac,
        b.mac,
        ETH_IPV6,
        ipv6(a.ip6, b.ip6, PROTO_TCP, tcp(a.ip6, b.ip6, sport, dport, payload)),
    )


def frame_udp6(a: Host, b: Host, size: int, sport: int = 40000, dport: int = 53) -> bytes:
    payload = bytes(max(0, size - 62))
    return ethernet(
        a.mac,
        b.mac,
        ETH_IPV6,
        ipv6(a.ip6, b.ip6, PROTO_UDP, udp(a.ip6, b.ip6, sport, dport, payload)),
    )


def frame_icmp6(a: Host, b: Host, size: int) -> bytes:
    payload = bytes(max(0, size - 62))
    return ethernet(
        a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, PROTO_ICMPV6, icmpv6_echo(a.ip6, b.ip6, payload))
    )


def frame_icmp6_hop_by_hop(a: Host, b: Host, size: int) -> bytes:
    payload = bytes(max(0, size - 70))
    message = icmpv6_echo(a.ip6, b.ip6, payload)
    return ethernet(
        a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, 0, hop_by_hop(PROTO_ICMPV6, message))
    )


def frame_arp_request(a: Host, b: Host) -> bytes:
    body = arp(1, a.mac, a.ip4, "00:00:00:00:00:00", b.ip4)
    return ethernet(a.mac, BROADCAST, ETH_ARP, body + bytes(18))


def frame_arp_reply(a: Host, b: Host) -> bytes:
    return ethernet(a.mac, b.mac, ETH_ARP, arp(2, a.mac, a.ip4, b.mac, b.ip4) + bytes(18))


def frame_lldp(a: Host, size: int = 60) -> bytes:
    """A frame with no IP addresses (ethertype 0x88cc) to the LLDP multicast MAC."""
    return ethernet(a.mac, "01:80:c2:00:00:0e", ETH_LLDP, bytes(max(0, size - 14)))


def frame_raw(a: Host, b: Host, ethertype: int, size: int = 60) -> bytes:
    return ethernet(a.mac, b.mac, ethertype, bytes(max(0, size - 14)))


def frame_gre4(a: Host, b: Host, size: int) -> bytes:
    payload = struct.pack("!HH", 0, 0x0800) + bytes(max(0, size - 38))
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_GRE, payload))


def frame_ipproto4(a: Host, b: Host, proto: int, size: int) -> bytes:
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, proto, bytes(max(0, size - 34))))


def frame_icmp4_error(a: Host, b: Host) -> bytes:
    """``a`` tells ``b`` that a UDP datagram ``b`` sent to ``a`` was unreachable."""
    inner = ipv4(b.ip4, a.ip4, PROTO_UDP, udp(b.ip4, a.ip4, 5353, 9999, b"x" * 32))
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_ICMP, icmp_error(inner)))


def frame_icmp6_error(a: Host, b: Host) -> bytes:
    inner = ipv6(b.ip6, a.ip6, PROTO_UDP, udp(b.ip6, a.ip6, 5353, 9999, b"x" * 32))
    message = icmpv6_error(a.ip6, b.ip6, inner)
    return ethernet(a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, PROTO_ICMPV6, message))


def frame_gre4_ip(a: Host, b: Host, inner_a: Host, inner_b: Host, size: int) -> bytes:
    """GRE between ``a`` and ``b`` carrying an IPv4/TCP packet between the inner hosts."""
    inner_tcp = tcp(inner_a.ip4, inner_b.ip4, 40000, 80, bytes(max(0, size - 82)))
    inner = ipv4(inner_a.ip4, inner_b.ip4, PROTO_TCP, inner_tcp)
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_GRE, gre(ETH_IPV4, inner)))


def frame_ipip4(a: Host, b: Host, inner_a: Host, inner_b: Host, size: int) -> bytes:
    """IPv4-in-IPv4 between ``a`` and ``b`` carrying UDP between the inner hosts."""
    inner_udp = udp(inner_a.ip4, inner_b.ip4, 40000, 53, bytes(max(0, size - 62)))
    inner = ipv4(inner_a.ip4, inner_b.ip4, PROTO_UDP, inner_udp)
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_IPIP, inner))


def frame_6in4(a: Host, b: Host, inner_a: Host, inner_b: Host, size: int) -> bytes:
    """IPv6-in-IPv4 (protocol 41) between ``a`` and ``b`` carrying inner IPv6/TCP."""
    inner_tcp = tcp(inner_a.ip6, inner_b.ip6, 40000, 443, bytes(max(0, size - 94)))
    inner = ipv6(inner_a.ip6, inner_b.ip6, PROTO_TCP, inner_tcp)
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_IPV6_IN_IP, inner))


def frame_4in6(a: Host, b: Host, inner_a: Host, inner_b: Host, size: int) -> bytes:
    """IPv4-in-IPv6 between ``a`` and ``b`` carrying inner IPv4/ICMP."""
    inner = ipv4(inner_a.ip4, inner_b.ip4, PROTO_ICMP, icmp_echo(bytes(max(0, size - 90))))
    return ethernet(a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, PROTO_IPIP, inner))


def frame_ipv6_extension_chain(a: Host, b: Host, size: int) -> bytes:
    """IPv6 with hop-by-hop, routing, fragment (first) and destination options before UDP."""
    datagram = udp(a.ip6, b.ip6, 40000, 53, bytes(max(0, size - 94)))
    chain = hop_by_hop(
        IPV6_ROUTING,
        routing_header(
            IPV6_FRAGMENT,
            fragment_header(
                IPV6_DESTINATION_OPTIONS, destination_options(PROTO_UDP, datagram), more=True
            ),
        ),
    )
    return ethernet(a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, IPV6_HOP_BY_HOP, chain))


def frame_ipv6_fragment_tail(a: Host, b: Host, size: int) -> bytes:
    """A later fragment of an IPv6 TCP packet: no TCP header, the fragment header says TCP."""
    chunk = fragment_header(PROTO_TCP, bytes(max(0, size - 62)), offset=185)
    return ethernet(a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, IPV6_FRAGMENT, chunk))


def frame_ipv4_fragment_tail(a: Host, b: Host, size: int) -> bytes:
    """A later fragment of an IPv4 TCP packet (offset 1480 bytes, no TCP header)."""
    body = bytes(max(0, size - 34))
    return ethernet(a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, PROTO_TCP, body, fragment=185))


def frame_ipproto6(a: Host, b: Host, next_header: int, size: int) -> bytes:
    return ethernet(
        a.mac, b.mac, ETH_IPV6, ipv6(a.ip6, b.ip6, next_header, bytes(max(0, size - 54)))
    )


def frame_ipv4_extension_lookalike(a: Host, b: Host, proto: int, size: int) -> bytes:
    """IPv4 of protocol ``proto`` (0 or 43: numbers of IPv6 extension headers) whose payload is
    shaped like that extension header followed by TCP: only IPv6 may skip it."""
    tcp_payload = tcp(a.ip4, b.ip4, 40000, 80, bytes(max(0, size - 62)))
    shaped = routing_header if proto == IPV6_ROUTING else hop_by_hop
    return ethernet(
        a.mac, b.mac, ETH_IPV4, ipv4(a.ip4, b.ip4, proto, shaped(PROTO_TCP, tcp_payload))
    )


def frame_ipv6_hop_by_hop_mobility(a: Host, b: Host, size: int) -> bytes:
    """IPv6 with a hop-by-hop options header before a mobility header (protocol 135)."""
    mobility = struct.pack("!BBBBH", PROTO_NO_NEXT_HEADER, 0, 0, 0, 0) + bytes(max(0, size - 68))
    return ethernet(
        a.mac,
        b.mac,
        ETH_IPV6,
        ipv6(a.ip6, b.ip6, IPV6_HOP_BY_HOP, hop_by_hop(PROTO_MOBILITY, mobility)),
    )


def frame_vlan_udp4(a: Host, b: Host, vid: int, size: int) -> bytes:
    datagram = udp(a.ip4, b.ip4, 40000, 53, bytes(max(0, size - 46)))
    packet = ipv4(a.ip4, b.ip4, PROTO_UDP, datagram)
    return ethernet(a.mac, b.mac, ETH_VLAN, vlan(vid, ETH_IPV4, packet))


def frame_vlan_raw(a: Host, b: Host, vid: int, ethertype: int, size: int = 64) -> bytes:
    return ethernet(a.mac, b.mac, ETH_VLAN, vlan(vid, ethertype, bytes(max(0, size - 18))))


def frame_stp(a: Host) -> bytes:
    """An 802.3 frame with an LLC header (spanning tree): a length field, no ethertype."""
    bpdu = b"\x42\x42\x03" + bytes(35)
    return mac_bytes("01:80:c2:00:00:00") + mac_bytes(a.mac) + struct.pack("!H", len(bpdu)) + bpdu


def every_kind(a: Host, b: Host, inner_a: Host, inner_b: Host) -> list[tuple[str, bytes]]:
    """One frame of each kind the counting rules distinguish, named; frames of 60–1514 bytes."""
    return [
        ("tcp4", frame_tcp4(a, b, 1514)),
        ("udp4", frame_udp4(b, a, 300)),
        ("icmp4", frame_icmp4(a, b, 98)),
        ("icmp4-error-udp", frame_icmp4_error(a, b)),
        ("tcp6", frame_tcp6(b, a, 1514)),
        ("udp6", frame_udp6(a, b, 120)),
        ("icmp6", frame_icmp6(a, b, 118)),
        ("icmp6-error-udp", frame_icmp6_error(b, a)),
        ("icmp6-hop-by-hop", frame_icmp6_hop_by_hop(a, b, 90)),
        ("ipv6-extension-chain-udp", frame_ipv6_extension_chain(a, b, 400)),
        ("ipv6-fragment-tail-tcp", frame_ipv6_fragment_tail(b, a, 900)),
        ("ipv4-fragment-tail-tcp", frame_ipv4_fragment_tail(b, a, 700)),
        ("gre-ip", frame_gre4_ip(a, b, inner_a, inner_b, 600)),
        ("ipip", frame_ipip4(b, a, inner_a, inner_b, 200)),
        ("6in4", frame_6in4(a, b, inner_a, inner_b, 300)),
        ("4in6", frame_4in6(b, a, inner_a, inner_b, 300)),
        ("sctp4", frame_ipproto4(a, b, 132, 100)),
        ("esp4", frame_ipproto4(a, b, 50, 200)),
        ("ah6", frame_ipproto6(a, b, 51, 200)),
        ("ospf4", frame_ipproto4(b, a, 89, 90)),
        ("igmp4", frame_ipproto4(a, b, 2, 60)),
        ("unknown-ip4-253", frame_ipproto4(a, b, 253, 80)),
        ("unknown-ip6-99", frame_ipproto6(b, a, 99, 80)),
        ("ip6-no-next-header", frame_ipproto6(a, b, 59, 70)),
        ("vlan-udp4", frame_vlan_udp4(a, b, 42, 500)),
        ("arp-request", frame_arp_request(a, b)),
        ("arp-reply", frame_arp_reply(b, a)),
        ("lldp", frame_lldp(a, 120)),
        ("raw-ethertype", frame_raw(a, b, 0x88B5, 1000)),
        ("vlan-raw-ethertype", frame_vlan_raw(b, a, 7, 0x88B6, 80)),
        ("stp", frame_stp(b)),
    ]


def extension_number_kinds(a: Host, b: Host) -> list[tuple[str, bytes]]:
    """Frames whose protocol number is an IPv6 extension header's, or one IPv6 does not skip:
    IPv4 of protocols 0 and 43 (shaped like those headers before TCP), IPv6 mobility (135)."""
    return [
        ("ip4-proto-0", frame_ipv4_extension_lookalike(a, b, IPV6_HOP_BY_HOP, 120)),
        ("ip4-proto-43", frame_ipv4_extension_lookalike(b, a, IPV6_ROUTING, 130)),
        ("ipv6-mobility", frame_ipproto6(a, b, PROTO_MOBILITY, 80)),
        ("ipv6-hop-by-hop-mobility", frame_ipv6_hop_by_hop_mobility(b, a, 110)),
    ]


# --- pcap files ----------------------------------------------------------------------------------

Packet = tuple[float, bytes]  # (epoch timestamp, frame bytes)


def write_pcap(
    path: Path,
    packets: Iterable[Packet],
    snaplen: int = 262144,
    nanoseconds: bool = False,
    linktype: int = LINKTYPE_ETHERNET,
) -> int:
    """Write a classic little-endian pcap (Ethernet, or raw IP with LINKTYPE_RAW); frames longer
    than ``snaplen`` are truncated with their original length kept. Returns the packet count."""
    scale = 1_000_000_000 if nanoseconds else 1_000_000

    def stamped() -> Iterator[StampedPacket]:
        for ts, frame in packets:
            seconds = int(ts)
            fraction = round((ts - seconds) * scale)
            if fraction >= scale:
                seconds, fraction = seconds + 1, fraction - scale
            yield seconds, fraction, frame

    return write_pcap_stamped(path, stamped(), snaplen, nanoseconds, linktype)


StampedPacket = tuple[int, int, bytes]  # (epoch seconds, fraction in µs or ns, frame bytes)


def write_pcap_stamped(
    path: Path,
    packets: Iterable[StampedPacket],
    snaplen: int = 262144,
    nanoseconds: bool = False,
    linktype: int = LINKTYPE_ETHERNET,
) -> int:
    """``write_pcap`` with exact timestamps (a float cannot hold x.999999999 near 1.7e9): each
    packet's fraction is in microseconds, or nanoseconds with ``nanoseconds``."""
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    count = 0
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        for seconds, fraction, frame in packets:
            data = frame[:snaplen]
            out.write(struct.pack("<IIII", seconds, fraction, len(data), len(frame)))
            out.write(data)
            count += 1
    return count


HOST_A = Host("02:00:00:00:00:0a", "10.77.0.1", "fd77::1")
HOST_B = Host("02:00:00:00:00:0b", "10.77.0.2", "fd77::2")


def mixed_traffic(
    count: int, seed: int = 7, start: float = 1_760_000_000.0, pairs: int = 50
) -> Iterator[Packet]:
    """``count`` packets of a mixed workload: IPv4/IPv6 TCP/UDP/ICMP, ARP and LLDP between
    ``pairs`` host pairs, sizes 60–1514, about 10,000 packets per second of timestamps."""
    rng = random.Random(seed)
    hosts = [
        Host(
            f"02:00:00:00:{i >> 8:02x}:{i & 0xFF:02x}",
            f"10.{i >> 8}.{i & 0xFF}.1",
            f"fd00::{i:x}:1",
        )
        for i in range(2 * pairs)
    ]
    makers = (frame_tcp4, frame_tcp4, frame_udp4, frame_icmp4, frame_tcp6, frame_udp6, frame_icmp6)
    for n in range(count):
        a, b = rng.choice(hosts), rng.choice(hosts)
        if a is b:
            b = hosts[(hosts.index(a) + 1) % len(hosts)]
        roll = rng.random()
        if roll < 0.01:
            frame = frame_arp_request(a, b)
        elif roll < 0.015:
            frame = frame_lldp(a, rng.randint(60, 200))
        else:
            frame = rng.choice(makers)(a, b, rng.randint(90, 1514))
        yield start + n / 10_000, frame


LINKTYPE_LINUX_SLL2 = 276


def linux_cooked_v2(frame: bytes, ifindex: int = 1, outgoing: bool = False) -> bytes:
    """An Ethernet frame as `tcpdump -i any` (libpcap >= 1.10) captures it: the SLL2 header,
    which names the interface by index, instead of the Ethernet header."""
    packet_type = 4 if outgoing else 0  # PACKET_OUTGOING / PACKET_HOST
    protocol = frame[12:14]
    header = protocol + b"\0\0" + struct.pack("!IHBB", ifindex, 1, packet_type, 6)
    return header + frame[6:12] + b"\0\0" + frame[14:]
