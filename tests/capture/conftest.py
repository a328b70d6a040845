"""Shared pieces of the capture tests: generated pcaps, tshark's own PSML, leftover checks."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.capture.psml import DISSECTION_ARGS, PREFERENCES
from ntc_tui.records import epoch_timestamp
from tests.capture.kinds import capture_kinds
from tests.support import pcapgen

T0 = 1_760_000_000.0
REPO = Path(__file__).resolve().parents[2]
AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "c-ntc"


def every_kind_stamps(nanoseconds: bool = False) -> list[tuple[int, int]]:
    """(second, fraction) of each frame of capture_kinds, a quarter second apart; with
    ``nanoseconds`` two fractions a float cannot hold: .123456789 and, last, .999999999."""
    digits = 9 if nanoseconds else 6
    stamps = [
        (int(T0) + i // 4, i % 4 * 25 * 10 ** (digits - 2)) for i in range(len(capture_kinds()))
    ]
    if nanoseconds:
        stamps[1] = (stamps[1][0], 123_456_789)
        stamps[-1] = (stamps[-1][0], 999_999_999)
    return stamps


def every_kind_times(nanoseconds: bool = False) -> list[float]:
    """The timestamps SPEC §3 gives those frames: epoch seconds, the fraction cut to µs."""
    digits = 9 if nanoseconds else 6
    return [epoch_timestamp(f"{s}.{f:0{digits}d}") for s, f in every_kind_stamps(nanoseconds)]


def write_every_kind(path: Path, snaplen: int = 262144, nanoseconds: bool = False) -> Path:
    frames = [frame for _, frame in capture_kinds()]
    stamped = [
        (*stamp, frame) for stamp, frame in zip(every_kind_stamps(nanoseconds), frames, strict=True)
    ]
    pcapgen.write_pcap_stamped(path, stamped, snaplen=snaplen, nanoseconds=nanoseconds)
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
