"""Tests of the command line frame: version, help, failures as one sentence and an exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("argv", "wrong", "help_of"),
    [
        (["report", "--sort", "foo"], "argument --sort: invalid choice: 'foo'", "report"),
        (["report", "--format", "xml"], "argument --format: invalid choice: 'xml'", "report"),
        (["report", "--from"], "argument --from: expected one argument", "report"),
        (["import", "x.pcap", "--bogus"], "unrecognized arguments: --bogus", "import"),
        (["import"], "the following arguments are required: PATH", "import"),
        (["db", "frob"], "argument {check,info}: invalid choice: 'frob'", "db"),
        (["db", "check", "--db-dir"], "argument --db-dir: expected one argument", "db check"),
        (["--units", "x"], "argument --units: invalid choice: 'x'", ""),
        (["eth0", "dbx"], "argument db: invalid choice: 'dbx'", ""),
        (["--debug", "report", "--format", "xml"], "argument --format: invalid choice", "report"),
    ],
)
def test_a_usage_error_is_one_sentence_and_exit_2(
    argv: list[str], wrong: str, help_of: str
) -> None:
    """SPEC §2: what is wrong and where to look, on one line; not argparse's usage block."""
    result = run_cli(*argv)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"ntc-tui: {wrong}")
    command = f"ntc-tui {help_of}".rstrip()
    assert result.stderr.endswith(f"(see {command} --help)\n")
    assert result.stderr.count("\n") == 1


def test_a_sub_command_follows_the_global_flags(tmp_path: Path) -> None:
    """`ntc-tui --debug report` is the report, not live capture on an interface "report"."""
    missing = tmp_path / "nothing"
    result = run_cli("--debug", "report", "--db-dir", str(missing))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"no traffic stored yet in {missing}\n"
    result = run_cli("--debug", "--debug", "db", "info", "--db-dir", str(missing))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{missing}: no data yet (the directory does not exist)\n"
    result = run_cli("--debug", "report", "--top", "²")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "ntc-tui: --top '²' is not a positive whole number\n"
