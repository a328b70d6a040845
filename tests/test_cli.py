"""Tests of the command line frame: version, help, failures as one sentence and an exit code."""

from __future__ import annotations

import subprocess
import sys

from ntc_tui import __version__


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntc_tui", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ntc-tui {__version__}"


def test_help_describes_the_program() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "usage: ntc-tui" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = run_cli("--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
