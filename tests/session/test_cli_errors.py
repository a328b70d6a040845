"""The live command's failures: one sentence, the exit code of SPEC §2, no process left behind."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

NTC = [sys.executable, "-m", "ntc_tui"]
REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def capture_processes() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in {
                "tshark",
                "dumpcap",
            }:
                found.add(int(entry.name))
        except OSError:
            continue  # the process ended meanwhile
    return found


def test_unknown_interface_is_a_usage_error_naming_the_real_ones(tmp_path: Path) -> None:
    result = run([*NTC, "nosuch0", "--headless", "--duration", "1"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("ntc-tui: there is no network interface 'nosuch0'")
    assert "lo" in result.stderr and len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # no report for a session that never started


def test_missing_tshark_names_the_package(tmp_path: Path) -> None:
    result = run([*NTC, "lo", "--headless", "--duration", "1"], env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "ntc-tui: tshark is not installed: install the Debian package tshark "
        "(apt-get install tshark)"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--read", "x.pcap", "eth0"], "give an interface or --read FILE, not both"),
        (["--realtime"], "--realtime only applies to --read"),
        (["--flush-seconds", "0"], "--flush-seconds must be a positive number"),
        (["--json"], "--json goes with --headless"),
        (
            ["--read", "x.pcap", "-f", "udp"],
            "-f/--filter is a capture filter and does not apply to --read",
        ),
        (
            ["--headless", "--host", "nonsense", "--read", "missing.pcap"],
            "cannot read missing.pcap",
        ),
    ],
)
def test_bad_combinations_are_usage_errors(argv: list[str], message: str, tmp_path: Path) -> None:
    result = run([*NTC, *argv], cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bad_host_address_is_a_usage_error(tmp_path: Path) -> None:
    pcap = Path(__file__).parents[1] / "fixtures" / "c-ntc" / "run1" / "capture.pcap"
    result = run([*NTC, "--read", str(pcap), "--headless", "--host", "10.0.0.300"], cwd=tmp_path)
    assert result.returncode == 2
    assert "--host '10.0.0.300' is neither an IP address nor a MAC address" in result.stderr


@pytest.mark.live
def test_no_capture_rights_exit_3_with_the_fix(tmp_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root"
    before = capture_processes()
    tmp_path.chmod(0o777)
    result = run(
        [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
         *NTC, "lo", "--headless", "--duration", "1"],
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("ntc-tui: not allowed to capture on lo: run ntc-tui with sudo")
    assert "wireshark" in result.stderr and len(result.stderr.splitlines()) == 1
    assert capture_processes() <= before


@pytest.mark.live
def test_a_permission_failure_found_by_the_capture_itself_also_exits_3() -> None:
    """Rights lost between the check and the capture (group membership, a capability removed):
    here the dumpcap first on the PATH says yes to the check (-L) and runs the real one else."""
    real = shutil.which("dumpcap")
    before = capture_processes()
    with tempfile.TemporaryDirectory(prefix="ntc-tui-test-") as folder:  # nobody may enter it
        home = Path(folder)
        checker = home / "bin"
        checker.mkdir()
        (checker / "dumpcap").write_text(
            f'#!/bin/sh\ncase " $* " in *" -L "*) exit 0;; esac\nexec {real} "$@"\n'
        )
        (checker / "dumpcap").chmod(0o755)
        for path in (home, checker):
            path.chmod(0o777)
        env = {"PATH": f"{checker}:/usr/bin:/bin", "HOME": folder, "PYTHONPATH": str(REPO)}
        result = run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
             *NTC, "lo", "--headless", "--duration", "30", "--json", "--no-report"],
            cwd=folder, env=env,
        )  # fmt: skip
    assert result.returncode == 3, result.stderr
    summary = json.loads(result.stdout)  # the session ran: the capture itself was refused
    assert summary["capture"]["state"] == "error"
    assert summary["capture"]["error"].startswith("not allowed to capture on lo: run ntc-tui with")
    assert capture_processes() <= before


@pytest.mark.live
def test_a_refused_capture_filter_is_a_usage_error_before_any_capture(tmp_path: Path) -> None:
    before = capture_processes()
    result = run([*NTC, "lo", "--headless", "--duration", "5", "-f", "port nonsense"], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("ntc-tui: ") and len(result.stderr.splitlines()) == 1
    assert "filter" in result.stderr
    assert capture_processes() <= before
    assert list(tmp_path.iterdir()) == []
