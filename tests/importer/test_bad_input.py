"""Bad input never stops an import: each rejected line counted by reason, whole files refused."""

from __future__ import annotations

import bz2
import datetime
import gzip
import os
import re
import shutil
from pathlib import Path

import pytest

from ntc_tui.capture import tcpdump_text as grammar
from ntc_tui.importer.textfile import NAME_RESOLVED_REFUSAL, NO_DATE_REFUSAL
from ntc_tui.store import Store
from tests.importer.conftest import import_paths, render, stored
from tests.support import pcapgen


@pytest.fixture(scope="module")
def small_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "small.pcap"
    pcapgen.write_pcap(path, pcapgen.mixed_traffic(400, seed=3))
    return path


@pytest.fixture
def good_text(small_pcap: Path, tmp_path: Path) -> Path:
    return render(small_pcap, ["-tt", "-n"], tmp_path / "good.txt")


def _clean_totals(text: Path, tmp_path: Path) -> tuple[object, object]:
    with Store.open(tmp_path / "clean-db", writer=True) as clean:
        import_paths(clean, text)
        return stored(clean)


BAD_LINES = {
    grammar.NAME_RESOLVED: b"1760000000.050000 IP gw.lan.4000 > 10.0.0.1.80: Flags [S], length 0",
    grammar.NO_TIMESTAMP: b"IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 512, length 0",
    grammar.NO_DATE: b"09:06:40.100000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], length 0",
    grammar.MALFORMED: b"1760000000.060000 IP 10.0.0.1.40000 >> what: Flags [S], length 0",
    grammar.BINARY: b"1760000000.07\x00\x00\x00\xff\xfe IP 10.0.0.1 > 10.0.0.2: ICMP, length 8",
    grammar.OVERLONG: b"1760000000.080000 IP 10.0.0.1.40000 > 10.0.0.2.80: " + b"x" * 70_000,
}


@pytest.mark.parametrize("reason", list(BAD_LINES))
def test_a_bad_line_is_counted_by_reason_and_shown_with_its_place(
    reason: str, good_text: Path, store: Store, tmp_path: Path
) -> None:
    clean = _clean_totals(good_text, tmp_path)
    lines = good_text.read_bytes().split(b"\n")
    lines.insert(100, BAD_LINES[reason])
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\n".join(lines))
    summary = import_paths(store, damaged)
    (file_summary,) = summary.files
    assert file_summary.rejected == {reason: 1}
    assert file_summary.status == "imported"
    assert file_summary.examples[0].startswith(f"{damaged}:101: {reason}: ")
    assert summary.exit_code() == 1
    assert stored(store) == clean  # every other line counted


def test_a_truncated_last_line_waits_for_the_rest_of_the_file(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    clean = _clean_totals(good_text, tmp_path)
    content = good_text.read_bytes()
    cut = content.rstrip(b"\n").rfind(b"\n") + 30  # in the middle of the last line
    growing = tmp_path / "growing.txt"
    growing.write_bytes(content[:cut])
    first = import_paths(store, growing)
    assert first.files[0].rejected == {grammar.TRUNCATED: 1}
    assert first.exit_code() == 1
    growing.write_bytes(content)  # tcpdump wrote the rest
    second = import_paths(store, growing)
    assert second.files[0].status == "continued"
    assert second.files[0].packets == 1
    assert second.exit_code() == 0
    assert stored(store) == clean


def test_a_name_resolved_capture_is_refused(good_text: Path, store: Store, tmp_path: Path) -> None:
    resolved = tmp_path / "resolved.txt"
    text = re.sub(r"\b10\.0\.(\d+)\.1\b", r"host\1.lan", good_text.read_text())
    resolved.write_text(re.sub(r"\bfd00::([0-9a-f]+):1\b", r"v6-\1.lan", text))
    summary = import_paths(store, resolved, good_text)
    assert summary.files[0].status == f"failed: {NAME_RESOLVED_REFUSAL}"
    assert "re-run tcpdump with -n" in summary.files[0].status
    assert summary.files[1].status == "imported"
    assert summary.exit_code() == 1
    assert stored(store) == _clean_totals(good_text, tmp_path)


def test_time_of_day_without_a_date_is_refused(
    small_pcap: Path, store: Store, tmp_path: Path
) -> None:
    text = render(small_pcap, ["-n"], tmp_path / "time-of-day.txt")
    summary = import_paths(store, text)
    assert summary.files[0].status == f"failed: {NO_DATE_REFUSAL}"
    assert stored(store) == ({}, {})
    again = import_paths(store, text, date=datetime.date.fromtimestamp(1_760_000_000))
    assert again.files[0].status == "imported"  # the refusal recorded nothing in the ledger


@pytest.mark.parametrize("compression", ["gzip", "bzip2"])
def test_a_truncated_or_corrupt_compressed_file_fails_and_the_next_proceeds(
    compression: str, good_text: Path, store: Store, tmp_path: Path
) -> None:
    compress = gzip.compress if compression == "gzip" else bz2.compress
    packed = compress(good_text.read_bytes())
    truncated = tmp_path / "a-truncated.txt.gz"
    truncated.write_bytes(packed[: len(packed) // 2])
    corrupt = tmp_path / "b-corrupt.txt.gz"
    corrupt.write_bytes(packed[:40] + bytes(200) + packed[240:])
    summary = import_paths(store, truncated, corrupt, good_text)
    statuses = [file_summary.status for file_summary in summary.files]
    assert statuses[0].startswith("failed: ") and "truncated" in statuses[0]
    assert statuses[1].startswith("failed: ")
    assert "corrupt" in statuses[1] or "truncated" in statuses[1] or "CRC" in statuses[1]
    assert statuses[2] in ("imported", "continued", "already imported")
    assert summary.exit_code() == 1
    assert stored(store) == _clean_totals(good_text, tmp_path)  # nothing counted twice


def test_binary_garbage_is_refused(store: Store, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(os.urandom(20_000))
    summary = import_paths(store, garbage)
    assert summary.files[0].status.startswith("failed: binary data")
    assert summary.exit_code() == 1


def test_the_content_decides_not_the_name(
    small_pcap: Path, good_text: Path, store: Store, tmp_path: Path
) -> None:
    pcap_named_text = tmp_path / "capture.txt"
    shutil.copy(small_pcap, pcap_named_text)
    text_named_pcap = tmp_path / "other.pcap"
    text_named_pcap.write_bytes(good_text.read_bytes().replace(b"1760000", b"1770000"))
    summary = import_paths(store, pcap_named_text, text_named_pcap)
    capture, text = summary.files
    assert capture.kind == "pcap" and "holds a pcap capture" in capture.note
    assert text.kind == "tcpdump text" and "holds tcpdump text" in text.note
    assert capture.packets == text.packets == 400
    assert summary.exit_code() == 0
