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
ETH_IPV4, ETH_IPV6, ETH_ARP, ETH_LLDP = 0x0800, 0x86DD, 0x0806, 0x88CC
PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_ICMPV6, PROTO_GRE = 1, 6, 17, 58, 47


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


def ipv4(src: str, dst: str, proto: int, payload: bytes, ttl: int = 64) -> bytes:
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        0x1234,
        0x4000,
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


# --- pcap files ----------------------------------------------------------------------------------

Packet = tuple[float, bytes]  # (epoch timestamp, frame bytes)


def write_pcap(
    path: Path,
    packets: Iterable[Packet],
    snaplen: int = 262144,
    nanoseconds: bool = False,
) -> int:
    """Write a classic little-endian Ethernet pcap; frames longer than ``snaplen`` are truncated
    with their original length kept. Returns the number of packets written."""
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    scale = 1_000_000_000 if nanoseconds else 1_000_000
    count = 0
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, 1))
        for ts, frame in packets:
            seconds = int(ts)
            fraction = round((ts - seconds) * scale)
            if fraction >= scale:
                seconds, fraction = seconds + 1, fraction - scale
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
