"""`ntc-tui report` as a user meets it: empty reports explained, exit 2 for bad input, no root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.cli import main
from ntc_tui.store import Batch, Store
from tests.report.history import DAYS, expected_cells, make_history

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("cli") / "data")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2027-01-01"], "no traffic from 2027-01-01 on (in "),
        (
            ["--from", "2020-01-01", "--to", "2020-01-31"],
            "no traffic from 2020-01-01 to 2020-01-31 (in ",
        ),
        (["--ip", "10.9.9.9"], "no traffic to or from 10.9.9.9 in the stored history (in "),
        (
            ["--ip", "fe80::1", "--to", "2026-02-25"],
            "no traffic to or from fe80::1 up to 2026-02-25 (in ",
        ),
        (
            ["--protocols", "--from", "2026-03-01", "--to", "2026-03-01"],
            "no protocol statistics on 2026-03-01 (in ",
        ),
    ],
)
def test_empty_reports_say_why_and_succeed(
    capsys: pytest.CaptureFixture[str], history: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--db-dir", str(history), *argv)
    assert (code, err) == (0, "")
    assert out.startswith(message) and out.count("\n") == 1


def test_empty_history_in_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    assert run(capsys, "--db-dir", str(missing)) == (0, f"no traffic stored yet in {missing}\n", "")
    code, out, err = run(capsys, "--db-dir", str(missing), "--format", "csv")
    assert (code, out) == (0, "date,src,dst,bytes,packets,saturated\n")
    assert err == f"no traffic stored yet in {missing}\n"
    code, out, err = run(capsys, "--db-dir", str(missing), "--protocols", "--format", "json")
    assert code == 0 and '"buckets": []' in out
    assert err == f"no protocol statistics stored yet in {missing}\n"
    assert not missing.exists()  # a report never creates the data directory


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-02-30"], "'2026-02-30' is not a date; write it as YYYY-MM-DD"),
        (["--to", "tomorrow"], "'tomorrow' is not a date; write it as YYYY-MM-DD"),
        (
            ["--from", "2026-03-02", "--to", "2026-03-01"],
            "--from 2026-03-02 is after --to 2026-03-01; swap them",
        ),
        (["--ip", "10.0.0.300"], "'10.0.0.300' is not an IPv4 or IPv6 address"),
        (["--ip", "fe80::1::2"], "'fe80::1::2' is not an IPv4 or IPv6 address"),
        (["--top", "-3"], "--top '-3' is not a positive whole number"),
        (["--top", "²"], "--top '²' is not a positive whole number"),  # isdigit(), not int()
        (["--top", "٣"], "--top '٣' is not a positive whole number"),
        (["--top", "0"], "--top '0' is not a positive whole number"),
        (["--utc"], "--utc and --resolution apply to --protocols only"),
        (["--resolution", "day"], "--utc and --resolution apply to --protocols only"),
        (["--protocols", "--ip", "10.1.0.1"], "--ip, --top and --sort order the pivot"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str], history: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--db-dir", str(history), *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"ntc-tui: {message}") and err.count("\n") == 1


@pytest.fixture
def shared_copy(history: Path) -> Iterator[Path]:
    """A copy of the history that the unprivileged user may read (pytest's tmp is root-only)."""
    base = Path(tempfile.mkdtemp(prefix=f"ntc-report-{os.getpid()}-"))
    try:
        base.chmod(0o755)
        data = base / "data"
        shutil.copytree(history, data)
        if os.geteuid() == 0:
            for path in [data, *data.iterdir()]:
                os.chown(path, NOBODY, NOBODY)
        yield data
    finally:
        shutil.rmtree(base)


def test_a_user_without_capture_rights_gets_the_report(shared_copy: Path) -> None:
    """As root the command runs as `nobody` (no capabilities), else as the user running pytest."""
    command = [
        sys.executable,
        "-m",
        "ntc_tui",
        "report",
        "--db-dir",
        str(shared_copy),
        "--format",
        "csv",
    ]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("date,src,dst,bytes,packets,saturated\n2026-")
    assert len(done.stdout.splitlines()) == 1 + len(expected_cells())


def test_a_damaged_store_is_exit_4_and_one_sentence(
    capsys: pytest.CaptureFixture[str], history: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(history, damaged)
    with (damaged / "ntc.db").open("r+b") as db:
        db.write(b"\xff" * 20)  # page 1's header: a count and a page number that cannot be
    code, out, err = run(capsys, "--db-dir", str(damaged))
    assert (code, out) == (4, "")
    assert err.startswith("ntc-tui: ntc.db") and err.count("\n") == 1


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    """`ntc-tui report | head -1` on more than a pipe holds: the command ends quietly with 0."""
    data = tmp_path / "data"
    pairs = {(DAYS[0], 0x0A000000 + n, 0x0B000000 + n): [1500, 1] for n in range(5000)}
    with Store.open(data, writer=True) as store:
        store.apply(Batch(pairs=pairs))
    command = [sys.executable, "-m", "ntc_tui", "report", "--db-dir", str(data), "--format", "csv"]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline() == b"date,src,dst,bytes,packets,saturated\n"
        child.stdout.close()  # 5,000 lines of about 50 bytes: the child is blocked writing
        assert child.wait(timeout=60) == 0
        assert child.stderr.read() == b""


def test_top_takes_plain_digits_with_spaces(
    capsys: pytest.CaptureFixture[str], history: Path
) -> None:
    code, out, err = run(capsys, "--db-dir", str(history), "--top", " 2 ", "--format", "csv")
    assert (code, err) == (0, "")
    assert len({tuple(line.split(",")[1:3]) for line in out.splitlines()[1:]}) == 2


def test_a_regular_file_as_data_directory_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Not an empty history: the user gave the wrong path."""
    not_a_directory = tmp_path / "ntc.db"
    not_a_directory.write_bytes(b"")
    for argv in ([], ["--protocols"]):
        code, out, err = run(capsys, "--db-dir", str(not_a_directory), *argv)
        assert (code, out) == (2, "")
        assert err.startswith(f"ntc-tui: {not_a_directory} is not a directory")
        assert err.count("\n") == 1


def test_an_unreadable_data_directory_is_one_sentence(shared_copy: Path) -> None:
    """A directory this user may not read: one line and exit 1 or 4, never a traceback or an
    "empty history". As root the command runs as `nobody`; a user cannot take root's rights, so
    without root the directory is made unreadable to its owner (who is not root)."""
    shared_copy.chmod(0o700)
    if os.geteuid() == 0:
        os.chown(shared_copy, 0, 0)
    else:
        shared_copy.chmod(0)
    command = [sys.executable, "-m", "ntc_tui", "report", "--db-dir", str(shared_copy)]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
        )
    finally:
        shared_copy.chmod(0o755)
    assert done.returncode in (1, 4) and done.stdout == ""
    assert done.stderr.startswith("ntc-tui: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
