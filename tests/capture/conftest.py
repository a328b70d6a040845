"""Shared pieces of the capture tests: generated pcaps, tshark's own PSML, leftover checks."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.capture.psml import DISSECTION_ARGS, PREFERENCES
from tests.capture.kinds import every_kind
from tests.support import pcapgen

T0 = 1_760_000_000.0
REPO = Path(__file__).resolve().parents[2]
AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "c-ntc"


def every_kind_times() -> list[float]:
    return [T0 + i * 0.25 for i in range(len(every_kind()))]


def write_every_kind(path: Path, snaplen: int = 262144, nanoseconds: bool = False) -> Path:
    frames = list(zip(every_kind_times(), (frame for _, frame in every_kind()), strict=True))
    pcapgen.write_pcap(path, frames, snaplen=snaplen, nanoseconds=nanoseconds)
    return path


@pytest.fixture
def every_kind_pcap(tmp_path: Path) -> Path:
    return write_every_kind(tmp_path / "every-kind.pcap")


def tshark_psml(path: Path) -> bytes:
    """What tshark prints for ``path`` with this project's columns and options."""
    argv = ["tshark", "-n", "-r", str(path), "-T", "psml", *DISSECTION_ARGS]
    for name, value in PREFERENCES.items():
        argv += ["-o", f"{name}:{value}"]
    return subprocess.run(argv, capture_output=True, check=True).stdout


def leftover_processes(marker: str) -> list[tuple[int, str, str]]:
    """(pid, name, command line) of every running (not zombie) tshark or dumpcap process whose
    command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state = stat[stat.rindex(")") + 2]
        if name in ("tshark", "dumpcap") and state != "Z" and marker in argv:
            found.append((int(entry.name), name, argv))
    return found


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Temporary files (tshark's spool directory among them) go to a directory of this test."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    yield spool
