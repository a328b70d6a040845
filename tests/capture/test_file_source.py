"""file_source over real pcaps: SPEC §3 records, the original's captures, errors, no leftovers."""

from __future__ import annotations

import gzip
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from ntc_tui.capture.interfaces import TSHARK_MISSING
from ntc_tui.capture.tshark import file_source
from ntc_tui.errors import NtcError
from ntc_tui.records import (
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    PacketRecord,
    format_address,
    parse_address,
)
from tests.capture.conftest import (
    FIXTURES,
    T0,
    every_kind_stamps,
    every_kind_times,
    leftover_processes,
    write_every_kind,
)
from tests.capture.kinds import EXPECTED, A, B, capture_kinds, expected_records
from tests.capture.reference import reference_records
from tests.support import pcapgen


def read(path: Path, realtime: bool = False) -> list[PacketRecord]:
    batches: list[list[PacketRecord]] = []
    file_source(path, realtime=realtime).run(batches.append, threading.Event())
    return [record for batch in batches for record in batch]


EXPECTED_KINDS = expected_records(ts=every_kind_times())


def test_every_kind_of_frame_counts_as_spec_3_says(every_kind_pcap: Path) -> None:
    assert set(EXPECTED) == {name for name, _ in capture_kinds()}
    assert read(every_kind_pcap) == EXPECTED_KINDS


def test_snapped_frames_count_at_their_full_length(tmp_path: Path) -> None:
    path = write_every_kind(tmp_path / "snapped.pcap", snaplen=96)
    records = read(path)
    assert any(record.length > 96 for record in records)  # caplen 96 < frame.len
    assert records == EXPECTED_KINDS


def test_nanosecond_and_compressed_files(tmp_path: Path) -> None:
    path = write_every_kind(tmp_path / "nano.pcap", nanoseconds=True)
    compressed = tmp_path / "nano.pcap.gz"
    compressed.write_bytes(gzip.compress(path.read_bytes()))
    expected = expected_records(ts=every_kind_times(nanoseconds=True))
    assert read(path) == read(compressed) == expected == reference_records(path)
    last_second = every_kind_stamps(nanoseconds=True)[-1][0]
    assert int(expected[-1].ts) == last_second  # x.999999999 stays in its own second


def test_every_kind_agrees_with_an_independent_tshark_reading(every_kind_pcap: Path) -> None:
    assert read(every_kind_pcap) == reference_records(every_kind_pcap)


def test_raw_ip_frames_have_no_source_mac(tmp_path: Path) -> None:
    path = tmp_path / "raw.pcap"
    frames = [pcapgen.frame_tcp4(A, B, 400), pcapgen.frame_udp6(B, A, 200)]
    pcapgen.write_pcap(path, [(T0, frame[14:]) for frame in frames], linktype=pcapgen.LINKTYPE_RAW)
    a4, b4, a6, b6 = (parse_address(text) for text in (A.ip4, B.ip4, A.ip6, B.ip6))
    assert read(path) == [
        PacketRecord(T0, 386, FAMILY_V4, a4, b4, "TCP", None),
        PacketRecord(T0, 186, FAMILY_V6, b6, a6, "UDP", None),
    ]


def test_linux_cooked_frames_as_captured_on_any(tmp_path: Path) -> None:
    path = tmp_path / "any.pcap"
    frames = [pcapgen.frame_udp4(A, B, 300), pcapgen.frame_arp_reply(B, A), pcapgen.frame_lldp(A)]
    packets = [(T0, pcapgen.linux_cooked(frame)) for frame in frames]
    pcapgen.write_pcap(path, packets, linktype=pcapgen.LINKTYPE_LINUX_SLL)
    a4, b4 = parse_address(A.ip4), parse_address(B.ip4)
    assert read(path) == [
        PacketRecord(T0, 302, FAMILY_V4, a4, b4, "UDP", A.mac),
        PacketRecord(T0, 62, FAMILY_V4, b4, a4, "ARP", B.mac),
        PacketRecord(T0, 62, FAMILY_NONE, None, None, "0x88cc", A.mac),
    ]


@pytest.mark.parametrize("run", ["run1", "run2"])
def test_original_captures_give_the_records_spec_3_implies(run: str) -> None:
    path = FIXTURES / run / "capture.pcap"
    records = read(path)
    assert records == reference_records(path)
    assert {record.family for record in records} == {FAMILY_V4}  # no IPv6, every frame has IPs
    pairs = Counter((format_address(r.src), format_address(r.dst)) for r in records)  # type: ignore[arg-type]
    assert set(pairs) == {
        ("10.200.0.1", "10.200.0.2"),
        ("10.200.0.2", "10.200.0.1"),
        ("10.200.0.2", "10.200.0.255"),
    }  # the ARP frames too: never a made-up key like the original's 0.0.127.250
    lengths = [record.length for record in records]
    assert sum(lengths) == {"run1": 209_782, "run2": 214_318}[run]  # nothing capped at 1516
    assert max(lengths) == {"run1": 47_850, "run2": 1514}[run]


def test_mixed_workload_agrees_with_the_independent_reading(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pcap"
    pcapgen.write_pcap(path, pcapgen.mixed_traffic(3000, seed=11))
    records = read(path)
    assert len(records) == 3000
    assert records == reference_records(path)


def test_realtime_paces_the_file_at_its_recorded_speed(tmp_path: Path) -> None:
    path = tmp_path / "slow.pcap"
    pcapgen.write_pcap(path, [(T0 + i * 0.15, pcapgen.frame_udp4(A, B, 100)) for i in range(5)])
    batches: list[tuple[float, int]] = []
    start = time.monotonic()
    file_source(path, realtime=True).run(
        lambda records: batches.append((time.monotonic() - start, len(records))),
        threading.Event(),
    )
    assert sum(count for _, count in batches) == 5
    assert len(batches) == 5  # one record per batch: each had to wait for its time
    assert batches[-1][0] >= 0.6  # the last record is 0.6 s after the first


@pytest.fixture(scope="module")
def long_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough packets that tshark is still running when the first batch arrives."""
    path = tmp_path_factory.mktemp("long") / "long.pcap"
    pcapgen.write_pcap(path, pcapgen.mixed_traffic(40_000, seed=5))
    return path


def test_stop_ends_a_file_read_early_and_leaves_no_process(long_pcap: Path) -> None:
    stop = threading.Event()
    seen: list[int] = []

    def emit(records: list[PacketRecord]) -> None:
        seen.append(len(records))
        stop.set()

    file_source(long_pcap).run(emit, stop)
    assert 0 < sum(seen) < 40_000
    assert leftover_processes(str(long_pcap)) == []


def test_tshark_killed_mid_file_is_reported(long_pcap: Path) -> None:
    def kill_tshark(records: list[PacketRecord]) -> None:
        for pid, _, _ in leftover_processes(str(long_pcap)):
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(NtcError, match=r"tshark died \(killed by SIGKILL\) while reading long"):
        file_source(long_pcap).run(kill_tshark, threading.Event())
    assert leftover_processes(str(long_pcap)) == []


def test_truncated_file_delivers_what_it_holds_then_says_why(tmp_path: Path) -> None:
    whole = write_every_kind(tmp_path / "whole.pcap")
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole.read_bytes()[:3000])
    records: list[PacketRecord] = []
    with pytest.raises(NtcError, match=r"cut\.pcap: .*cut short in the middle of a packet"):
        file_source(cut).run(records.extend, threading.Event())
    assert records == EXPECTED_KINDS[: len(records)]
    assert len(records) >= 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.pcap", None, r"cannot read .*missing\.pcap: No such file"),
        ("notes.txt", b"just text\n", r"tshark could not read notes\.txt: .*capture file"),
    ],
)
def test_unreadable_files_give_one_clear_sentence(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(NtcError, match=message):
        file_source(path).run(lambda records: None, threading.Event())


def test_a_directory_is_not_a_capture_file(tmp_path: Path) -> None:
    with pytest.raises(NtcError, match="cannot read"):
        file_source(tmp_path).run(lambda records: None, threading.Event())


def test_missing_tshark_names_the_package(
    every_kind_pcap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tshark on the PATH
    with pytest.raises(NtcError) as failure:
        file_source(every_kind_pcap).run(lambda records: None, threading.Event())
    assert str(failure.value) == TSHARK_MISSING
