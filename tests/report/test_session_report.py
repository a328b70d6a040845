"""The session report: the original's header and table, IPv6 rows, exclusive creation, mode 0600."""

from __future__ import annotations

import calendar
import os
import stat
import time
from pathlib import Path

import pytest

from ntc_tui.errors import NtcError
from ntc_tui.records import encode_date, parse_address
from ntc_tui.report import SessionReport, render_session_report, write_session_report
from ntc_tui.store import ConnectionRow
from tests.report.goldens import check_golden

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "c-ntc"
DAY = encode_date(2026, 11, 22)


def local_epoch(text: str) -> float:
    """Epoch seconds of a local time written as the original writes it."""
    return time.mktime(time.strptime(text, "%Y-%m-%d %H-%M-%S"))


def run1_report(**changes: object) -> SessionReport:
    """The figures of the original's run1 session, as our session would hand them over."""
    rows = [
        ConnectionRow(DAY, parse_address("0.0.127.250"), parse_address("45.18.214.192"), 42, 1),
        ConnectionRow(DAY, parse_address("10.200.0.1"), parse_address("10.200.0.2"), 4747, 24),
        ConnectionRow(DAY, parse_address("10.200.0.2"), parse_address("10.200.0.1"), 22348, 25),
        ConnectionRow(DAY, parse_address("10.200.0.2"), parse_address("10.200.0.255"), 43, 1),
    ]
    fields: dict[str, object] = {
        "interface": "vethA",
        "addresses": ("10.200.0.1",),
        "start": local_epoch("2026-11-22 07-42-51"),
        "stop": local_epoch("2026-11-22 07-43-03"),
        "utc": False,
        "inbound": (22475, 27),
        "outbound": (4705, 24),
        "rows": rows,
        "protocols": [("TCP", 27000, 49), ("UDP", 86, 2), ("ARP", 94, 0)],
        "captured_bytes": 27180,
        "interface_bytes": 27180 * 2,
        "dropped": 0,
    }
    fields.update(changes)
    return SessionReport(**fields)  # type: ignore[arg-type]


def test_header_and_table_are_the_originals() -> None:
    original = (FIXTURES / "run1" / "session-report.log").read_text()
    text = render_session_report(run1_report())
    assert text.startswith(original)
    rest = text[len(original) :]
    assert "Protocols:" in rest and "Capture coverage:" in rest
    assert "TCP                   27000             49" in rest
    assert "Coverage      : 50.0 %" in rest
    assert "Dropped       : 0 packets" in rest


def test_ipv6_rows_extra_addresses_utc_and_a_file_source() -> None:
    v6 = ConnectionRow(DAY, parse_address("fd00::1"), parse_address("2001:db8::ffff:1"), 9, 1)
    report = run1_report(
        rows=[v6],
        addresses=("10.200.0.1", "fd00::1"),
        utc=True,
        start=calendar.timegm((2026, 11, 22, 8, 43, 20)),
        stop=calendar.timegm((2026, 11, 22, 8, 43, 21)),
        interface="capture.pcap",
        interface_bytes=None,
        dropped=None,
        protocols=[],
    )
    lines = render_session_report(report).splitlines()
    assert lines[2] == "Other addresses: fd00::1"
    assert lines[6] == "Start : 2026-11-22 08-43-20 UTC"
    ipv6 = lines.index("IPv6:")
    assert lines[ipv6 + 2].split() == ["YEAR", "MONTH", "DAY", "IPsrc", "IPdst", "VOL", "PACKS"]
    assert lines[ipv6 + 4].split() == ["2026", "11", "22", "fd00::1", "2001:db8::ffff:1", "9", "1"]
    assert len(lines[ipv6 + 4]) == len(lines[ipv6 + 1])  # aligned with its rules
    assert "(no packets)" in lines
    assert "Interface     : no kernel counters (packets read from a file)" in lines
    assert "Dropped       : unknown" in lines


def test_written_with_the_stop_time_as_name_and_mode_0600(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # a permissive umask must not widen the mode
    try:
        path = write_session_report(tmp_path, run1_report())
    finally:
        os.umask(old_umask)
    assert path == tmp_path / "ntc-2026-11-22__07-43-03.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == render_session_report(run1_report())


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    taken = tmp_path / "ntc-2026-11-22__07-43-03.log"
    taken.write_text("someone else's\n")
    first = write_session_report(tmp_path, run1_report())
    second = write_session_report(tmp_path, run1_report())
    assert first.name == "ntc-2026-11-22__07-43-03-1.log"
    assert second.name == "ntc-2026-11-22__07-43-03-2.log"
    assert taken.read_text() == "someone else's\n"


def test_a_symlink_is_never_followed(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    target = tmp_path / "precious"
    target.write_text("do not touch\n")
    target.chmod(0o644)
    (reports / "ntc-2026-11-22__07-43-03.log").symlink_to(target)
    dangling = tmp_path / "would-be-created"
    (reports / "ntc-2026-11-22__07-43-03-1.log").symlink_to(dangling)
    path = write_session_report(reports, run1_report())
    assert path.name == "ntc-2026-11-22__07-43-03-2.log"
    assert not path.is_symlink()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert target.read_text() == "do not touch\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert not dangling.exists()


def test_an_unwritable_directory_is_one_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-directory"
    with pytest.raises(NtcError, match=r"cannot create the session report .*--report-dir"):
        write_session_report(missing, run1_report())


def test_golden_with_ipv6_protocols_and_coverage() -> None:
    v6 = [
        ConnectionRow(
            DAY, parse_address("2001:db8:85a3::8a2e:370:7334"), parse_address("fd00::1"), 1280, 9
        ),
        ConnectionRow(DAY, parse_address("fd00::1"), parse_address("ff02::fb"), 86, 1),
    ]
    report = run1_report(
        rows=[*run1_report().rows, *v6],
        addresses=("10.200.0.1", "fd00::1", "fe80::a8c1:abff:fe12:3456"),
        utc=True,
        start=calendar.timegm((2026, 11, 22, 7, 42, 51)),
        stop=calendar.timegm((2026, 11, 22, 7, 43, 3)),
        dropped=3,
        interface_bytes=28_000,
    )
    check_golden("session-report.txt", render_session_report(report))
