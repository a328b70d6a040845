"""Interface facts and capture preconditions on this machine's real interfaces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ntc_tui.capture.interfaces import (
    ANY,
    TSHARK_MISSING,
    InterfaceInfo,
    capture_error,
    check_capture_rights,
    default_interface,
    interface_info,
    list_interfaces,
    read_counters,
    require_tshark,
)
from ntc_tui.errors import CapturePermissionError, NtcError, UsageError
from ntc_tui.records import parse_ipv4, parse_ipv6
from tests.capture.conftest import AS_NOBODY, REPO


def test_loopback_is_listed_with_its_addresses() -> None:
    assert "lo" in list_interfaces()
    info = interface_info("lo")
    assert info == InterfaceInfo("lo", "00:00:00:00:00:00", info.ipv4, info.ipv6)
    assert parse_ipv4("127.0.0.1") in info.ipv4
    assert parse_ipv6("::1") in info.ipv6


def test_any_gathers_every_address_without_a_mac() -> None:
    every = interface_info(ANY)
    assert every.mac is None
    for name in list_interfaces():
        info = interface_info(name)
        assert set(info.ipv4) <= set(every.ipv4)
        assert set(info.ipv6) <= set(every.ipv6)


def test_unknown_interface_is_a_usage_error_naming_those_that_exist() -> None:
    with pytest.raises(UsageError) as failure:
        interface_info("nosuch0")
    assert failure.value.exit_code == 2
    assert "'nosuch0'" in str(failure.value)
    assert all(name in str(failure.value) for name in list_interfaces())


def test_default_interface_exists() -> None:
    assert default_interface() in list_interfaces()


def test_counters_of_an_interface_and_of_none() -> None:
    counters = read_counters("lo")
    assert counters is not None
    assert counters.rx_bytes >= 0 and counters.tx_packets >= 0
    assert read_counters("nosuch0") is None
    assert read_counters("../lo") is None


def test_require_tshark_names_the_package_when_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tshark()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NtcError) as failure:
        require_tshark()
    assert str(failure.value) == TSHARK_MISSING
    assert "apt-get install tshark" in TSHARK_MISSING


@pytest.mark.parametrize(
    ("stderr", "kind", "words"),
    [
        (
            'dumpcap: You do not have permission to capture on device "eth9".',
            CapturePermissionError,
            ["sudo", "wireshark", "setcap"],
        ),
        ("(socket: Operation not permitted)", CapturePermissionError, ["sudo"]),
        ('tshark: There is no device named "eth9".', UsageError, ["'eth9'", "lo"]),
        (
            "Invalid capture filter \"tcp prt 1\" for interface 'eth9'.\n\n(syntax error)",
            UsageError,
            ["filter", "syntax error"],
        ),
        (
            "The network adapter on which the capture was being done is no longer running",
            NtcError,
            ["went away"],
        ),
        ("dumpcap: something else entirely", NtcError, ["cannot capture on eth9: something else"]),
    ],
)
def test_dumpcap_messages_become_one_actionable_sentence(
    stderr: str, kind: type[NtcError], words: list[str]
) -> None:
    error = capture_error("eth9", stderr)
    assert type(error) is kind
    assert all(word in str(error) for word in words)
    assert "\n" not in str(error)


@pytest.mark.live
def test_root_may_capture_on_loopback_with_a_valid_filter() -> None:
    check_capture_rights("lo")
    check_capture_rights("lo", "udp and not port 22")


@pytest.mark.live
def test_unknown_interface_and_bad_filter_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="'nosuch0'"):
        check_capture_rights("nosuch0")
    with pytest.raises(UsageError, match="capture filter is not valid"):
        check_capture_rights("lo", "tcp prt 80")


def run_as_nobody(code: str) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` as the unprivileged user nobody (no capabilities, no groups)."""
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*AS_NOBODY, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd="/tmp",
        timeout=60,
        check=False,
    )


@pytest.mark.live
def test_without_capture_rights_the_error_has_exit_code_3_and_says_how_to_fix_it() -> None:
    result = run_as_nobody(
        "from ntc_tui.capture.interfaces import check_capture_rights\n"
        "from ntc_tui.errors import NtcError\n"
        "try:\n"
        "    check_capture_rights('lo')\n"
        "except NtcError as error:\n"
        "    print(error.exit_code, error)\n"
    )
    code, _, sentence = result.stdout.strip().partition(" ")
    assert code == "3", result
    assert sentence.startswith("not allowed to capture on lo: run ntc-tui with sudo")
    assert "wireshark" in sentence and "setcap" in sentence
