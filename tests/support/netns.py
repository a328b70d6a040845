"""Two network namespaces joined by a veth pair, for live-capture tests and benchmarks (root)."""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.pcapgen import Host, icmp_echo

CLONE_NEWNET = 0x40000000
_pairs = itertools.count(1)
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class End:
    """One end of the link: its namespace, interface and addresses."""

    namespace: str
    interface: str
    host: Host


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


class VethPair:
    """Namespaces ``a`` and ``b`` joined by a veth pair, each end with a MAC, IPv4 and IPv6.

        with VethPair() as link:
            with link.inside(link.b):  # this thread (and what it starts) in B's namespace
                worker = CaptureWorker(live_source(link.b.interface), deliver)
                worker.start()
            link.send(link.a, [frame, ...])  # raw frames out of A's end (AF_PACKET)
            link.run(link.a, ["tcpreplay", "--pps=1000", "-i", link.a.interface, "x.pcap"])

    Names are unique per process and per pair; the addresses (10.77.0.1/.2 and fd77::1/::2 by
    default) are private and exist only inside the namespaces; ``close`` (or leaving the
    ``with``) kills what still runs in them and deletes them, whatever happened.
    """

    def __init__(self, subnet: int = 77) -> None:
        if not 0 <= subnet <= 99:  # 10.N.0.x and fdN::x
            raise ValueError(f"subnet {subnet} is not in 0–99")
        number = next(_pairs)
        tag = f"{os.getpid()}x{number}"
        if len(f"nv{tag}a") > 15:  # the kernel's limit for interface names
            raise ValueError(f"veth name tag {tag!r} too long")
        self.a = End(
            f"ntc-{tag}-a",
            f"nv{tag}a",
            Host(f"02:77:{number & 0xFF:02x}:00:00:0a", f"10.{subnet}.0.1", f"fd{subnet}::1"),
        )
        self.b = End(
            f"ntc-{tag}-b",
            f"nv{tag}b",
            Host(f"02:77:{number & 0xFF:02x}:00:00:0b", f"10.{subnet}.0.2", f"fd{subnet}::2"),
        )
        self._created: list[str] = []

    def __enter__(self) -> VethPair:
        try:
            self._create()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self) -> None:
        for end in (self.a, self.b):
            _ip("netns", "add", end.namespace)
            self._created.append(end.namespace)
        _ip(
            "link", "add", self.a.interface, "netns", self.a.namespace, "type", "veth",
            "peer", "name", self.b.interface, "netns", self.b.namespace,
        )  # fmt: skip
        for end in (self.a, self.b):
            inside = ("-n", end.namespace)
            for sysctl in ("accept_ra=0", "router_solicitations=0", "accept_dad=0"):
                key, value = sysctl.split("=")
                self.run(end, ["sysctl", "-qw", f"net.ipv6.conf.{end.interface}.{key}={value}"])
            _ip(*inside, "link", "set", end.interface, "address", end.host.mac)
            _ip(*inside, "addr", "add", f"{end.host.ip4}/24", "dev", end.interface)
            _ip(*inside, "-6", "addr", "add", f"{end.host.ip6}/64", "dev", end.interface, "nodad")
            _ip(*inside, "link", "set", "lo", "up")
            _ip(*inside, "link", "set", end.interface, "up")

    def close(self) -> None:
        """Stop every process left in the namespaces and delete them (the veth pair goes too)."""
        for namespace in reversed(self._created):
            pids = subprocess.run(
                ["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False
            ).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        self._created.clear()

    # --- running things in a namespace -----------------------------------------------------------

    def command(self, end: End, argv: Sequence[str]) -> list[str]:
        """``argv`` wrapped to run in ``end``'s namespace (with its own /sys)."""
        return ["ip", "netns", "exec", end.namespace, *argv]

    def run(
        self, end: End, argv: Sequence[str], check: bool = True, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in ``end``'s namespace and wait (output captured); raises if it fails."""
        kwargs.setdefault("capture_output", True)
        return subprocess.run(self.command(end, argv), check=check, text=True, **kwargs)

    def popen(self, end: End, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start ``argv`` in ``end``'s namespace."""
        return subprocess.Popen(self.command(end, argv), **kwargs)

    def kernel_traffic(self, sender: End, receiver: End) -> None:
        """What the kernels send and answer: UDP to a closed port (ICMP errors), TCP refused
        (RST), ICMP and ICMPv6 echo (replies), and the ARP / neighbour discovery all of it needs."""
        host = receiver.host
        with self.inside(sender):
            for family, address in ((socket.AF_INET, host.ip4), (socket.AF_INET6, host.ip6)):
                with socket.socket(family, socket.SOCK_DGRAM) as udp:
                    udp.sendto(b"ntc-tui" * 20, (address, 9))
                with socket.socket(family, socket.SOCK_STREAM) as tcp:
                    tcp.settimeout(5)
                    try:
                        tcp.connect((address, 9))
                    except OSError:
                        pass  # refused: the RST is the traffic wanted
                    else:
                        raise AssertionError(f"{address} port 9 accepted a connection")
            with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as icmp:
                icmp.sendto(icmp_echo(b"ping", ident=7), (host.ip4, 0))
            with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as icmp6:
                # the kernel fills in the checksum of ICMPv6 sent on a raw socket
                icmp6.sendto(struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"ping", (host.ip6, 0))

    @contextlib.contextmanager
    def inside(self, end: End) -> Iterator[None]:
        """Move the calling thread into ``end``'s namespace for the block, then back.

        Threads and child processes started in the block stay in that namespace. /sys still
        shows the original namespace: read interface statistics through ``run``.
        """
        with (
            open("/proc/thread-self/ns/net", "rb") as home,
            open(f"/var/run/netns/{end.namespace}", "rb") as target,
        ):
            _setns(target.fileno())
            try:
                yield
            finally:
                _setns(home.fileno())

    # --- sending ---------------------------------------------------------------------------------

    def raw_socket(self, end: End) -> socket.socket:
        """An AF_PACKET socket bound to ``end``'s interface (made inside its namespace)."""
        with self.inside(end):
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            sock.bind((end.interface, 0))
        return sock

    def send(self, end: End, frames: Iterable[bytes]) -> int:
        """Send complete Ethernet frames out of ``end``'s interface; returns how many."""
        count = 0
        with self.raw_socket(end) as sock:
            for frame in frames:
                sock.send(frame)
                count += 1
        return count

    def counters(self, end: End) -> dict[str, int]:
        """The kernel's statistics of ``end``'s interface, read inside its namespace."""
        names = ("rx_packets", "rx_bytes", "rx_dropped", "tx_packets", "tx_bytes")
        statistics = Path("/sys/class/net", end.interface, "statistics")
        text = self.run(end, ["cat", *(str(statistics / name) for name in names)]).stdout
        return dict(zip(names, map(int, text.split()), strict=True))

    def wait_until_quiet(self, quiet: float = 2.0, timeout: float = 60.0) -> None:
        """Wait until neither end has sent or received a frame for ``quiet`` seconds: a fresh
        link's IPv6 multicast listener reports (and the like) are over."""
        deadline = time.monotonic() + timeout
        last = (self.counters(self.a), self.counters(self.b))
        still_since = time.monotonic()
        while time.monotonic() - still_since < quiet:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the link never went quiet for {quiet} s")
            time.sleep(0.25)
            now = (self.counters(self.a), self.counters(self.b))
            if now != last:
                last, still_since = now, time.monotonic()
