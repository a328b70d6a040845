"""Text layouts against golden files, and against the original's own DB reports of its files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ntc_tui.cli import main
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.repair import repair_dir
from ntc_tui.store import layout_for_stem
from tests.report.goldens import check_golden
from tests.report.history import make_history

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "c-ntc"
MAX_BLOCK_WIDTH = 36 + 7 * 22 + 1  # address columns and 7 original-width date cells


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("layouts") / "data")


def report(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["report", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


@pytest.mark.parametrize(
    ("golden", "argv"),
    [
        ("pivot-address.txt", ["--sort", "address"]),
        ("pivot-top-packets.txt", ["--top", "3", "--sort", "packets", "--from", "2026-02-26"]),
        ("protocols-hour-utc.txt", ["--protocols", "--resolution", "hour", "--utc"]),
        (
            "protocols-minute-utc.txt",
            ["--protocols", "--utc", "--resolution", "minute", "--to", "2026-02-25"],
        ),
    ],
)
def test_golden_layouts(
    capsys: pytest.CaptureFixture[str], history: Path, golden: str, argv: list[str]
) -> None:
    check_golden(golden, report(capsys, "--db-dir", str(history), *argv))


def test_pivot_blocks_stay_bounded(capsys: pytest.CaptureFixture[str], history: Path) -> None:
    lines = report(capsys, "--db-dir", str(history), "--ip", "10.1.0.1").splitlines()
    headings = [line for line in lines if "IPsrc" in line]
    assert [heading.count(".20") for heading in headings] == [7, 2]  # nine days: 7 + 2
    assert max(map(len, lines)) == MAX_BLOCK_WIDTH
    assert lines[-1] == "----- END OF REPORT -----"


@pytest.mark.parametrize("run", ["run1", "run2", "lazy171"])
@pytest.mark.parametrize("repaired", [False, True], ids=["as-written", "repaired"])
def test_the_originals_files_give_the_originals_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, run: str, repaired: bool
) -> None:
    """Reading needs no repair (the reader follows the records the index points at); after
    `db check --repair` the report is the same."""
    data = tmp_path / run
    data.mkdir()
    for name in ("ntc.db", "ntc.idx"):
        shutil.copyfile(FIXTURES / run / name, data / name)
    if repaired:
        repair_dir(data, layout_for_stem)
        assert check_dir(data, layout_for_stem).ok
    original = (FIXTURES / run / "db-report.log").read_text()
    assert report(capsys, "--db-dir", str(data), "--sort", "address") == original
