"""What SPEC §3 makes of each frame of pcapgen.every_kind, written from how the frames are built."""

from __future__ import annotations

from ntc_tui.records import FAMILY_NONE, FAMILY_V4, FAMILY_V6, PacketRecord, parse_address
from tests.support import pcapgen
from tests.support.pcapgen import Host

A = pcapgen.Host("02:00:00:00:00:0a", "10.77.0.1", "fd77::1")
B = pcapgen.Host("02:00:00:00:00:0b", "10.77.0.2", "fd77::2")
INNER_A = pcapgen.Host("02:00:00:00:01:0a", "192.168.99.1", "fd99::1")
INNER_B = pcapgen.Host("02:00:00:00:01:0b", "192.168.99.2", "fd99::2")

# name -> (sender, receiver or None, family, protocol), for capture_kinds(A, B)
EXPECTED = {
    "tcp4": (A, B, FAMILY_V4, "TCP"),
    "udp4": (B, A, FAMILY_V4, "UDP"),
    "icmp4": (A, B, FAMILY_V4, "ICMP"),
    "icmp4-error-udp": (A, B, FAMILY_V4, "ICMP"),
    "tcp6": (B, A, FAMILY_V6, "TCP"),
    "udp6": (A, B, FAMILY_V6, "UDP"),
    "icmp6": (A, B, FAMILY_V6, "ICMPv6"),
    "icmp6-error-udp": (B, A, FAMILY_V6, "ICMPv6"),
    "icmp6-hop-by-hop": (A, B, FAMILY_V6, "ICMPv6"),
    "ipv6-extension-chain-udp": (A, B, FAMILY_V6, "UDP"),
    "ipv6-fragment-tail-tcp": (B, A, FAMILY_V6, "TCP"),
    "ipv4-fragment-tail-tcp": (B, A, FAMILY_V4, "TCP"),
    "gre-ip": (A, B, FAMILY_V4, "GRE"),
    "ipip": (B, A, FAMILY_V4, "IP-4"),
    "6in4": (A, B, FAMILY_V4, "IP-41"),
    "4in6": (B, A, FAMILY_V6, "IP-4"),
    "sctp4": (A, B, FAMILY_V4, "SCTP"),
    "esp4": (A, B, FAMILY_V4, "ESP"),
    "ah6": (A, B, FAMILY_V6, "AH"),
    "ospf4": (B, A, FAMILY_V4, "OSPF"),
    "igmp4": (A, B, FAMILY_V4, "IGMP"),
    "unknown-ip4-253": (A, B, FAMILY_V4, "IP-253"),
    "unknown-ip6-99": (B, A, FAMILY_V6, "IP-99"),
    "ip6-no-next-header": (A, B, FAMILY_V6, "IP-59"),
    "vlan-udp4": (A, B, FAMILY_V4, "UDP"),
    "arp-request": (A, B, FAMILY_V4, "ARP"),
    "arp-reply": (B, A, FAMILY_V4, "ARP"),
    "lldp": (A, None, FAMILY_NONE, "0x88cc"),
    "raw-ethertype": (A, None, FAMILY_NONE, "0x88b5"),
    "vlan-raw-ethertype": (B, None, FAMILY_NONE, "0x88b6"),
    "stp": (B, None, FAMILY_NONE, "OTHER"),
    "ip4-proto-0": (A, B, FAMILY_V4, "IP-0"),
    "ip4-proto-43": (B, A, FAMILY_V4, "IP-43"),
    "ipv6-mobility": (A, B, FAMILY_V6, "IP-135"),
    "ipv6-hop-by-hop-mobility": (B, A, FAMILY_V6, "IP-135"),
}


def every_kind(a: Host = A, b: Host = B) -> list[tuple[str, bytes]]:
    """One frame of each kind SPEC §3 distinguishes, as every reader (tcpdump text too) sees it."""
    return pcapgen.every_kind(a, b, INNER_A, INNER_B)


def capture_kinds(a: Host = A, b: Host = B) -> list[tuple[str, bytes]]:
    """``every_kind`` and the frames whose protocol number only tshark's reading tells apart
    (IPv4 of protocol 0/43, IPv6 mobility; tcpdump's text names them in words of its own)."""
    return every_kind(a, b) + pcapgen.extension_number_kinds(a, b)


def expected_records(a: Host = A, b: Host = B, ts: list[float] | None = None) -> list[PacketRecord]:
    """The records of ``capture_kinds(a, b)``, with timestamps ``ts`` (0.0 when not given)."""
    hosts = {A: a, B: b}
    records = []
    for index, (name, frame) in enumerate(capture_kinds(a, b)):
        sender, receiver, family, proto = EXPECTED[name]
        src = dst = None
        if family != FAMILY_NONE:
            attribute = "ip4" if family == FAMILY_V4 else "ip6"
            src = parse_address(getattr(hosts[sender], attribute))
            dst = parse_address(getattr(hosts[receiver], attribute))  # type: ignore[index]
        stamp = ts[index] if ts else 0.0
        records.append(PacketRecord(stamp, len(frame), family, src, dst, proto, hosts[sender].mac))
    return records
