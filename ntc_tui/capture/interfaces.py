"""This host's network interfaces (names, addresses, kernel counters) and capture preconditions."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntc_tui.errors import CapturePermissionError, NtcError, UsageError
from ntc_tui.records import parse_ipv4, parse_ipv6

ANY = "any"  # the capture pseudo-interface that sees every interface
TSHARK_MISSING = (
    "tshark is not installed: install the Debian package tshark (apt-get install tshark)"
)
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_COUNTERS = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped")
_TOOL_TIMEOUT = 30.0


@dataclass(frozen=True)
class InterfaceInfo:
    """One interface as the counting rules need it: what makes a frame OUT (SPEC §3)."""

    name: str
    mac: str | None  # lower-case, None for interfaces without one
    ipv4: tuple[int, ...]  # all IPv4 addresses (u32)
    ipv6: tuple[bytes, ...]  # all IPv6 addresses (16 bytes), link-local included


@dataclass(frozen=True)
class InterfaceCounters:
    """The kernel's counters of one interface (sysfs), for coverage and drops."""

    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int
    rx_dropped: int
    tx_dropped: int


def list_interfaces() -> list[str]:
    """Names of this network namespace's interfaces, in index order."""
    return [name for _, name in socket.if_nameindex()]


def unknown_interface(name: str) -> UsageError:
    """The error for an interface that does not exist, naming those that do."""
    return UsageError(
        f"there is no network interface {name!r}; the interfaces here are: "
        + ", ".join(list_interfaces())
    )


def _ip_json(*args: str) -> list[dict[str, Any]]:
    if shutil.which("ip") is None:
        raise NtcError("the ip command is missing: install the Debian package iproute2")
    result = subprocess.run(
        ["ip", "-j", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=_TOOL_TIMEOUT,
    )
    if result.returncode != 0:
        raise NtcError(f"'ip {' '.join(args)}' failed: {result.stderr.strip()}")
    data: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return data


def default_interface() -> str:
    """The default route's interface, else the first interface that is up and not loopback."""
    for family in ("-4", "-6"):
        for route in _ip_json(family, "route", "show", "default"):
            if route.get("dev"):
                return str(route["dev"])
    for link in _ip_json("link", "show"):
        flags = link.get("flags", [])
        if "UP" in flags and "LOOPBACK" not in flags:
            return str(link["ifname"])
    example = next((name for name in list_interfaces() if name != "lo"), "eth0")
    raise UsageError(
        "no network interface is up and there is no default route: "
        f"name the interface to watch, e.g. ntc-tui {example}"
    )


def _info(link: dict[str, Any]) -> InterfaceInfo:
    mac = str(link.get("address", "")).lower()
    ipv4, ipv6 = [], []
    for address in link.get("addr_info", []):
        if address.get("family") == "inet":
            ipv4.append(parse_ipv4(address["local"]))
        elif address.get("family") == "inet6":
            ipv6.append(parse_ipv6(address["local"]))
    return InterfaceInfo(
        str(link["ifname"]), mac if _MAC.match(mac) else None, tuple(ipv4), tuple(ipv6)
    )


def interface_info(name: str) -> InterfaceInfo:
    """Addresses and MAC of ``name`` (``any``: every address, no MAC); UsageError if unknown."""
    links = [_info(link) for link in _ip_json("addr", "show")]
    if name == ANY:
        return InterfaceInfo(
            ANY,
            None,
            tuple(a for info in links for a in info.ipv4),
            tuple(a for info in links for a in info.ipv6),
        )
    for info in links:
        if info.name == name:
            return info
    raise unknown_interface(name)


def read_counters(name: str) -> InterfaceCounters | None:
    """The interface's kernel counters from sysfs; None if it is gone (or is ``any``)."""
    if "/" in name or name in ("", ".", ".."):
        return None
    statistics = Path("/sys/class/net", name, "statistics")
    try:
        values = [int((statistics / counter).read_text()) for counter in _COUNTERS]
    except (OSError, ValueError):
        return None
    return InterfaceCounters(*values)


def require_tshark() -> None:
    """NtcError naming the package to install if tshark is missing."""
    if shutil.which("tshark") is None:
        raise NtcError(TSHARK_MISSING)


def _dumpcap() -> str:
    path = shutil.which("dumpcap")
    if path is None:
        raise NtcError(TSHARK_MISSING)
    return path


def capture_error(interface: str, dumpcap_stderr: str) -> NtcError:
    """The error a user can act on, from what dumpcap printed when it could not capture."""
    text = dumpcap_stderr.strip()
    lowered = text.lower()
    if "permission to capture" in lowered or "not permitted" in lowered:
        return CapturePermissionError(
            f"not allowed to capture on {interface}: run ntc-tui with sudo, or let your user "
            "capture (sudo dpkg-reconfigure wireshark-common, answer Yes, then "
            "sudo usermod -aG wireshark $USER and log in again; or "
            f"sudo setcap cap_net_raw,cap_net_admin=eip {shutil.which('dumpcap') or 'dumpcap'})."
        )
    if "no such device" in lowered or "no device named" in lowered:
        return unknown_interface(interface)
    if "invalid capture filter" in lowered:
        reason = re.search(r"\(([^()]*)\)", text)
        return UsageError(
            "the capture filter is not valid BPF"
            + (f" ({reason.group(1)})" if reason else "")
            + ": see man pcap-filter"
        )
    if "no longer" in lowered:  # "The network adapter ... is no longer attached"
        return NtcError(f"the interface {interface} went away; the capture stopped")
    first = next((line for line in text.splitlines() if line.strip()), "")
    said = re.sub(r"^(dumpcap|tshark): ", "", first) or "tshark stopped without saying why"
    return NtcError(f"cannot capture on {interface}: {said}")


def check_capture_rights(name: str, bpf_filter: str | None = None) -> None:
    """Raise CapturePermissionError (exit 3) if this user may not capture on ``name``, UsageError
    if it does not exist or ``bpf_filter`` is not valid; starts no lasting process."""
    dumpcap = _dumpcap()
    probe = subprocess.run(
        [dumpcap, "-i", name, "-L"],
        capture_output=True,
        text=True,
        check=False,
        timeout=_TOOL_TIMEOUT,
    )
    if probe.returncode != 0:
        raise capture_error(name, probe.stderr)
    if bpf_filter is not None:
        compiled = subprocess.run(
            [dumpcap, "-i", name, "-f", bpf_filter, "-d"],
            capture_output=True,
            text=True,
            check=False,
            timeout=_TOOL_TIMEOUT,
        )
        if not compiled.stdout.strip():  # dumpcap -d exits 0 even when the filter is refused
            raise capture_error(name, compiled.stderr)
