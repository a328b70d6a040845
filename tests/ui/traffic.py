"""Capture files for the dashboard's tests and screenshots: steady, varied traffic over time."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from tests.support.pcapgen import (
    Host,
    Packet,
    frame_arp_request,
    frame_icmp4,
    frame_icmp6,
    frame_lldp,
    frame_tcp4,
    frame_tcp6,
    frame_udp4,
    write_pcap,
)

HOST = Host("02:00:00:00:01:01", "10.77.0.1", "fd77::1")
START = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC


def peers(count: int) -> list[Host]:
    return [
        Host(f"02:00:00:00:02:{i:02x}", f"198.51.100.{10 + i}", f"2001:db8:77::{i:x}")
        for i in range(count)
    ]


def demo_packets(
    seconds: int, per_second: int, seed: int = 11, start: float = START
) -> Iterator[Packet]:
    """Traffic of one host with a dozen peers: a download that swells and ebbs, uploads, DNS,
    pings, some IPv6, ARP and LLDP; ``per_second`` frames in each second."""
    rng = random.Random(seed)
    others = peers(12)
    for second in range(seconds):
        swell = 1 + 3 * (second % 20 < 8)
        for n in range(per_second):
            ts = start + second + n / per_second
            peer = others[min(int(rng.expovariate(0.5)), len(others) - 1)]
            roll = rng.random()
            if roll < 0.55:
                frame = frame_tcp4(
                    peer, HOST, min(1514, 200 * swell + rng.randint(0, 700)), 443, 40000
                )
            elif roll < 0.75:
                frame = frame_tcp4(HOST, peer, rng.randint(60, 400), 40000, 443)
            elif roll < 0.85:
                frame = frame_udp4(HOST, peer, rng.randint(70, 300))
            elif roll < 0.9:
                frame = frame_icmp4(HOST, peer, 98)
            elif roll < 0.96:
                frame = frame_tcp6(peer, HOST, rng.randint(200, 1400))
            elif roll < 0.98:
                frame = frame_icmp6(HOST, peer, 118)
            elif roll < 0.99:
                frame = frame_arp_request(HOST, peer)
            else:
                frame = frame_lldp(peer, 120)
            yield ts, frame


def write_demo_pcap(
    path: Path, seconds: int = 60, per_second: int = 40, seed: int = 11, start: float = START
) -> Path:
    """A pcap of ``demo_packets``; returns its path."""
    write_pcap(path, demo_packets(seconds, per_second, seed, start))
    return path
