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
from ntc_tui.importer import capture_layout, pcapfile, textfile
from ntc_tui.importer.model import ALREADY_IMPORTED, IMPORTED
from ntc_tui.importer.textfile import (
    NAME_RESOLVED_REFUSAL,
    NO_DATE_REFUSAL,
    NO_TIMESTAMP_REFUSAL,
    RELATIVE_REFUSAL,
)
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


BAD_LINES = [
    (grammar.NAME_RESOLVED, b"1760000000.050000 IP gw.lan.4000 > 10.0.0.1.80: Flags [S], length 0"),
    (grammar.NO_TIMESTAMP, b"IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 512, length 0"),
    (grammar.NO_DATE, b"09:06:40.100000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], length 0"),
    (grammar.MALFORMED, b"1760000000.060000 IP 10.0.0.1.40000 >> what: Flags [S], length 0"),
    (grammar.BINARY, b"1760000000.07\x00\x00\x00\xff\xfe IP 10.0.0.1 > 10.0.0.2: ICMP, length 8"),
    (grammar.OVERLONG, b"1760000000.080000 IP 10.0.0.1.40000 > 10.0.0.2.80: " + b"x" * 70_000),
    (  # a line the fast path's expression matches: still overlong
        grammar.OVERLONG,
        b"1760000000.090000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], "
        + b"x" * 70_000
        + b", length 7",
    ),
]


@pytest.mark.parametrize(("reason", "bad"), BAD_LINES)
def test_a_bad_line_is_counted_by_reason_and_shown_with_its_place(
    reason: str, bad: bytes, good_text: Path, store: Store, tmp_path: Path
) -> None:
    clean = _clean_totals(good_text, tmp_path)
    lines = good_text.read_bytes().split(b"\n")
    lines.insert(100, bad)
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\n".join(lines))
    summary = import_paths(store, damaged)
    (file_summary,) = summary.files
    assert file_summary.rejected == {reason: 1}
    assert file_summary.status == "imported"
    assert file_summary.examples[0].startswith(f"{damaged}:101: {reason}: ")
    assert file_summary.examples[0].isprintable() and file_summary.examples[0].isascii()
    assert summary.exit_code() == 1
    assert stored(store) == clean  # every other line counted


def test_a_bad_line_that_an_earlier_line_holds_is_shown_with_its_own_number(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    lines = good_text.read_bytes().split(b"\n")
    lines.insert(100, lines[50].split(b" ", 1)[1])  # line 51 without its timestamp
    lines.insert(200, lines[150] + b" ")  # not the last line, though the same bytes end it
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\n".join(lines))
    summary = import_paths(store, damaged)
    assert summary.files[0].rejected == {grammar.NO_TIMESTAMP: 1}
    assert summary.files[0].examples[0].startswith(f"{damaged}:101: {grammar.NO_TIMESTAMP}: ")
    assert summary.files[0].packets == 401


def test_escape_sequences_in_a_rejected_line_are_shown_escaped(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    lines = good_text.read_bytes().split(b"\n")
    lines.insert(10, b"1760000000.1 IP \x1b[2J\x1b]0;owned\x07 > 10.0.0.2: x")
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\n".join(lines))
    (file_summary,) = import_paths(store, damaged).files
    assert file_summary.rejected == {grammar.BINARY: 1}
    assert file_summary.examples[0].endswith(
        r"1760000000.1 IP \x1b[2J\x1b]0;owned\x07 > 10.0.0.2: x"
    )


def test_a_nul_at_the_start_rejects_its_line_not_the_file(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\0\0\0\0 crash\n" + good_text.read_bytes())
    summary = import_paths(store, damaged)
    assert summary.files[0].status == "imported"
    assert summary.files[0].rejected == {grammar.BINARY: 1}
    assert summary.files[0].examples == [
        f"{damaged}:1: {grammar.BINARY}: " + r"\x00" * 4 + " crash"
    ]
    assert stored(store) == _clean_totals(good_text, tmp_path)


def test_a_damaged_pcap_counts_the_packets_before_the_damage(
    small_pcap: Path, good_text: Path, store: Store, tmp_path: Path
) -> None:
    data = small_pcap.read_bytes()
    assert data[:4] == b"\xd4\xc3\xb2\xa1"  # little-endian pcap: record lengths read below
    end = capture_layout.PCAP_FILE_HEADER
    for _ in range(10):  # to the end of the 10th record
        end += 16 + int.from_bytes(data[end + 8 : end + 12], "little")
    damaged = tmp_path / "damaged.pcap"
    damaged.write_bytes(data[:end] + b"\xff" * 16 + data[end + 16 :])  # the 11th record's header
    first_ten = tmp_path / "first-ten.pcap"
    first_ten.write_bytes(data[:end])
    summary = import_paths(store, damaged, good_text)
    capture, text = summary.files
    assert (capture.status, capture.packets) == (IMPORTED, 10)
    assert capture.rejected == {pcapfile.DAMAGED_RECORD: 1}
    assert capture.note.startswith("the packets before the damage are counted; tshark could not")
    assert text.status == IMPORTED
    assert summary.exit_code() == 1
    with Store.open(tmp_path / "expected-db", writer=True) as clean:
        import_paths(clean, first_ten, good_text)
        expected = stored(clean)
    assert stored(store) == expected
    again = import_paths(store, damaged)  # judged once: the ledger covers the whole file
    assert again.files[0].status == ALREADY_IMPORTED
    assert again.exit_code() == 0
    assert stored(store) == expected


def test_the_examples_are_in_line_order(good_text: Path, store: Store, tmp_path: Path) -> None:
    """The truncated last line is the file's last example, after the lines before it."""
    lines = good_text.read_bytes().rstrip(b"\n").split(b"\n")
    malformed = dict(BAD_LINES)[grammar.MALFORMED]
    lines.insert(10, malformed)
    lines[-1] = lines[-1][:30]  # the last packet line cut short, no newline
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(b"\n".join(lines))
    (file_summary,) = import_paths(store, damaged).files
    assert file_summary.rejected == {grammar.MALFORMED: 1, grammar.TRUNCATED: 1}
    assert [example.split(": ")[0] for example in file_summary.examples] == [
        f"{damaged}:11",
        f"{damaged}:{len(lines)}",
    ]


def test_a_nul_block_left_by_a_crash_is_garbage_not_a_truncated_line(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(good_text.read_bytes() + bytes(4096))
    summary = import_paths(store, damaged)
    assert summary.files[0].rejected == {grammar.BINARY: 1}
    assert "\0" not in summary.files[0].examples[0]
    assert stored(store) == _clean_totals(good_text, tmp_path)
    again = import_paths(store, damaged)  # the garbage was judged: the ledger covers it
    assert again.files[0].status == "already imported"
    assert again.exit_code() == 0


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
    assert summary.files[1].status == "imported"
    assert summary.exit_code() == 1
    assert stored(store) == _clean_totals(good_text, tmp_path)


@pytest.mark.parametrize("hosts", [1, 3, 19])  # lines of 1 host, of 3 in 100, of 19 in 100
def test_a_partly_name_resolved_capture_is_refused_whole(
    hosts: int, good_text: Path, store: Store, tmp_path: Path
) -> None:
    """tcpdump without -n names only the addresses that have a name: beyond a stray line, the
    file is refused, so that its -n rendering later counts once."""
    lines = good_text.read_text().split("\n")
    named = {f"10.0.{number}.1" for number in range(hosts)} if hosts > 1 else {"10.0.7.1"}
    resolved_lines = 0
    for index, line in enumerate(lines):
        for address in named:
            if f" {address}." in line:
                lines[index] = line.replace(f" {address}.", f" host-{address[5:-2]}.lan.")
                resolved_lines += 1
                break
    assert resolved_lines > 1
    resolved = tmp_path / "resolved.txt"
    resolved.write_text("\n".join(lines))
    summary = import_paths(store, resolved)
    assert summary.files[0].status == f"failed: {NAME_RESOLVED_REFUSAL}"
    assert stored(store) == ({}, {})  # nothing committed
    import_paths(store, good_text)  # the -n rendering
    assert stored(store) == _clean_totals(good_text, tmp_path)


def test_host_names_after_the_first_commit_are_rejected_lines(
    good_text: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file is judged before its first commit; host names that appear only after it are
    rejected lines, and the summary, the store and a second import agree on what counted."""
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 2 << 10)
    monkeypatch.setattr(textfile, "BATCH_BYTES", 4 << 10)  # the first commit: ~40 packets in
    lines = good_text.read_bytes().split(b"\n")
    half = len(lines) // 2
    renamed = [re.sub(rb"^(\S+ IP )10\.0\.(\d+)\.1\.", rb"\1host\2.lan.", line) for line in lines]
    named = [index for index in range(half, len(lines)) if renamed[index] != lines[index]]
    assert len(named) > 50
    resolved = tmp_path / "resolved.txt"
    resolved.write_bytes(b"\n".join(lines[:half] + renamed[half:]))
    kept = tmp_path / "kept.txt"
    kept.write_bytes(b"\n".join(line for index, line in enumerate(lines) if index not in named))
    summary = import_paths(store, resolved)
    assert summary.files[0].status == IMPORTED
    assert summary.files[0].rejected == {grammar.NAME_RESOLVED: len(named)}
    assert summary.exit_code() == 1
    with Store.open(tmp_path / "kept-db", writer=True) as clean:
        assert summary.packets == import_paths(clean, kept).packets
        expected = stored(clean)
    assert stored(store) == expected
    again = import_paths(store, resolved)
    assert again.files[0].status == ALREADY_IMPORTED
    assert stored(store) == expected


def test_time_of_day_without_a_date_is_refused(
    small_pcap: Path, store: Store, tmp_path: Path
) -> None:
    text = render(small_pcap, ["-n"], tmp_path / "time-of-day.txt")
    summary = import_paths(store, text)
    assert summary.files[0].status == f"failed: {NO_DATE_REFUSAL}"
    assert stored(store) == ({}, {})
    again = import_paths(store, text, date=datetime.date.fromtimestamp(1_760_000_000))
    assert again.files[0].status == "imported"  # the refusal recorded nothing in the ledger


@pytest.mark.parametrize(
    ("flags", "refusal"),
    [
        (["-ttt", "-n"], RELATIVE_REFUSAL),
        (["-ttttt", "-n"], RELATIVE_REFUSAL),
        (["-#", "-ttt", "-e", "-n"], RELATIVE_REFUSAL),
        (["-ttt", "-v", "-n"], RELATIVE_REFUSAL),
        (["-t", "-n"], NO_TIMESTAMP_REFUSAL),
        (["-t", "-v", "-n"], NO_TIMESTAMP_REFUSAL),
    ],
)
def test_a_capture_without_absolute_times_is_refused_every_time(
    flags: list[str], refusal: str, small_pcap: Path, store: Store, tmp_path: Path
) -> None:
    text = render(small_pcap, flags, tmp_path / "relative.txt")
    for _ in range(2):  # nothing recorded: refused again, never "already imported"
        summary = import_paths(store, text, date=datetime.date(2025, 10, 9))
        assert summary.files[0].status == f"failed: {refusal}"
        assert summary.exit_code() == 1
    assert stored(store) == ({}, {})


def test_a_file_with_every_line_rejected_is_not_recorded(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BAD_LINES[3][1] + b"\n")  # one malformed line: rejected, not refused
    for _ in range(2):
        summary = import_paths(store, bad)
        assert summary.files[0].rejected == {grammar.MALFORMED: 1}
        assert summary.files[0].status == "imported"
        assert summary.exit_code() == 1


def test_a_truncated_two_line_packet_is_one_rejected_packet(
    small_pcap: Path, store: Store, tmp_path: Path
) -> None:
    text = render(small_pcap, ["-tt", "-v", "-n"], tmp_path / "verbose.txt")
    content = text.read_bytes()
    cut = content.rstrip(b"\n").rfind(b"\n") + 12  # inside the last packet's second line
    assert content[cut - 12 : cut - 8] == b"\n   "
    growing = tmp_path / "growing.txt"
    growing.write_bytes(content[:cut])
    first = import_paths(store, growing)
    assert first.files[0].rejected == {grammar.TRUNCATED: 1}
    assert first.files[0].packets == 399
    growing.write_bytes(content)
    second = import_paths(store, growing)
    assert (second.files[0].status, second.files[0].packets) == ("continued", 1)
    assert stored(store) == _clean_totals(text, tmp_path)


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
    if compression == "gzip":  # what came before the cut is kept (bzip2: one block, cut)
        assert summary.files[0].packets > 100
        assert statuses[2] == "continued"  # after the prefix the truncated copy counted
    else:
        assert statuses[2] == "imported"
    assert summary.exit_code() == 1
    assert stored(store) == _clean_totals(good_text, tmp_path)  # nothing counted twice


def test_a_small_truncated_gzip_file_keeps_what_it_holds(
    good_text: Path, store: Store, tmp_path: Path
) -> None:
    content = good_text.read_bytes()[:20_000]
    packed = gzip.compress(content)
    truncated = tmp_path / "small.txt.gz"
    truncated.write_bytes(packed[:-12])  # the end of the data and its trailer
    summary = import_paths(store, truncated)
    (file_summary,) = summary.files
    assert "truncated" in file_summary.status
    assert file_summary.packets >= content.count(b"\n") - 50
    assert set(file_summary.rejected) <= {grammar.TRUNCATED}
    assert all(":1: " not in example for example in file_summary.examples)


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
