"""The session report of SPEC §7: rendering it and creating its file exclusively, mode 0600."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ntc_tui.errors import NtcError
from ntc_tui.records import decode_date, format_address
from ntc_tui.store import ConnectionRow

REPORT_MODE = 0o600
MAX_SUFFIX = 999  # ntc-…-1.log … ntc-…-999.log, then give up with a message
IPV4_ADDRESS_WIDTH = 17  # the original's columns
IPV6_ADDRESS_WIDTH = 39  # the longest IPv6 text form
VOLUME_WIDTH = 18
PACKETS_WIDTH = 14
DATE_COLUMNS = "YEAR MONTH DAY"


@dataclass(frozen=True)
class SessionReport:
    """What one ended live or --read session saw, in the terms of the report."""

    interface: str  # "enp3s0", or the file name for --read
    addresses: tuple[str, ...]  # the host's addresses; the first is the original's "IP address"
    start: float  # epoch seconds
    stop: float
    utc: bool  # times printed (and the file named) in UTC instead of local time
    inbound: tuple[int, int]  # (bytes, packets)
    outbound: tuple[int, int]
    rows: Sequence[ConnectionRow]  # in (day, src, dst) order, IPv4 then IPv6
    protocols: Sequence[tuple[str, int, int]]  # (name, bytes, packets), largest first
    captured_bytes: int  # coverage: what the capture saw …
    interface_bytes: int | None  # … against the kernel's counters (None for --read)
    dropped: int | None  # drops reported by tshark or the kernel, None when unknown


def _clock(seconds: float, utc: bool) -> time.struct_time:
    return time.gmtime(seconds) if utc else time.localtime(seconds)


def report_stem(report: SessionReport) -> str:
    """The original's file name without its extension: ntc-YYYY-MM-DD__HH-MM-SS of the stop time."""
    return time.strftime("ntc-%Y-%m-%d__%H-%M-%S", _clock(report.stop, report.utc))


def _stamp(seconds: float, utc: bool) -> str:
    text = time.strftime("%Y-%m-%d %H-%M-%S", _clock(seconds, utc))
    return f"{text} UTC" if utc else text


def _header(report: SessionReport) -> list[str]:
    lines = [
        f"Network interface: {report.interface}",
        f"IP address: {report.addresses[0] if report.addresses else 'none'}",
    ]
    if len(report.addresses) > 1:
        lines.append(f"Other addresses: {', '.join(report.addresses[1:])}")
    lines += [
        "Total traffic:",
        f"IN    : {report.inbound[0]}",
        f"OUT   : {report.outbound[0]}",
        f"Start : {_stamp(report.start, report.utc)}",
        f"Stop  : {_stamp(report.stop, report.utc)}",
    ]
    return lines


def _table(rows: Sequence[ConnectionRow], width: int) -> list[str]:
    rule = "-" * (len(DATE_COLUMNS) + 2 * (width + 1) + VOLUME_WIDTH + PACKETS_WIDTH + 2)
    heading = (
        f"{DATE_COLUMNS} {'IPsrc':>{width}} {'IPdst':>{width}} "
        f"{'VOL':>{VOLUME_WIDTH}} {'PACKS':>{PACKETS_WIDTH}}"
    )
    lines = [rule, heading, rule]
    for row in rows:
        year, month, day = decode_date(row.day)
        lines.append(
            f"{year:4d} {month:02d}     {day:02d} "
            f"{format_address(row.src):>{width}} {format_address(row.dst):>{width}} "
            f"{row.bytes:>{VOLUME_WIDTH}} {row.packets:>{PACKETS_WIDTH}}"
        )
    lines.append(rule)
    return lines


def _protocols(report: SessionReport) -> list[str]:
    lines = ["Protocols:", f"{'PROTOCOL':<8} {'VOL':>{VOLUME_WIDTH}} {'PACKS':>{PACKETS_WIDTH}}"]
    lines += [
        f"{name:<8} {volume:>{VOLUME_WIDTH}} {packets:>{PACKETS_WIDTH}}"
        for name, volume, packets in report.protocols
    ]
    if not report.protocols:
        lines.append("(no packets)")
    return lines


def _coverage(report: SessionReport) -> list[str]:
    lines = [
        "Capture coverage:",
        f"Packets       : IN {report.inbound[1]}, OUT {report.outbound[1]}",
        f"Captured      : {report.captured_bytes} bytes",
    ]
    if report.interface_bytes is None:
        lines.append("Interface     : no kernel counters (packets read from a file)")
    else:
        lines.append(f"Interface     : {report.interface_bytes} bytes (kernel counters)")
        if report.interface_bytes > 0:
            share = 100.0 * report.captured_bytes / report.interface_bytes
            lines.append(f"Coverage      : {share:.1f} %")
    dropped = "unknown" if report.dropped is None else f"{report.dropped} packets"
    lines.append(f"Dropped       : {dropped}")
    return lines


def render_session_report(report: SessionReport) -> str:
    """The report's text: the original's header and table, IPv6 rows, protocols, coverage."""
    ipv4 = [row for row in report.rows if isinstance(row.src, int)]
    ipv6 = [row for row in report.rows if not isinstance(row.src, int)]
    lines = [*_header(report), "", *_table(ipv4, IPV4_ADDRESS_WIDTH)]
    if ipv6:
        lines += ["", "IPv6:", *_table(ipv6, IPV6_ADDRESS_WIDTH)]
    lines += ["", *_protocols(report), "", *_coverage(report)]
    return "\n".join(lines) + "\n"


def _create_exclusively(path: Path) -> int | None:
    """A new file at ``path`` open for writing; None when the name is taken (even by a link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, REPORT_MODE)
    except FileExistsError:  # a file, or a symlink (O_EXCL never follows one)
        return None
    except OSError as error:
        raise NtcError(
            f"cannot create the session report {path}: {error.strerror}; "
            "choose another directory with --report-dir"
        ) from None


def _write_all(descriptor: int, path: Path, data: bytes) -> None:
    try:
        os.fchmod(descriptor, REPORT_MODE)  # exactly 0600 whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as error:
        path.unlink(missing_ok=True)
        raise NtcError(
            f"cannot write the session report {path}: {error.strerror}; nothing was kept"
        ) from None
    finally:
        os.close(descriptor)


def write_session_report(directory: Path, report: SessionReport) -> Path:
    """Create the report in ``directory`` under a new name (suffix -1, -2 … if taken); its path."""
    data = render_session_report(report).encode("utf-8")
    stem = report_stem(report)
    for suffix in range(MAX_SUFFIX + 1):
        path = directory / (f"{stem}.log" if suffix == 0 else f"{stem}-{suffix}.log")
        descriptor = _create_exclusively(path)
        if descriptor is not None:
            _write_all(descriptor, path, data)
            return path
    raise NtcError(
        f"cannot create the session report: {directory / stem}.log and {MAX_SUFFIX} "
        "suffixed names are taken; clean up the report directory"
    )
