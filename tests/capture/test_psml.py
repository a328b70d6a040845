"""The PSML reader over real tshark output: any chunking, the structure check, its guards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntc_tui.capture import psml
from ntc_tui.capture.psml import PsmlFormatError, PsmlRows, read_structure
from ntc_tui.records import PacketRecord
from tests.capture.conftest import tshark_psml, write_every_kind
from tests.capture.kinds import capture_kinds
from tests.support import pcapgen


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """tshark's PSML for every kind of frame followed by a mixed workload."""
    path = tmp_path_factory.mktemp("psml") / "kinds.pcap"
    write_every_kind(path)
    kinds = tshark_psml(path)
    mixed = tmp_path_factory.mktemp("psml") / "mixed.pcap"
    pcapgen.write_pcap(mixed, pcapgen.mixed_traffic(500, seed=3))
    return kinds + tshark_psml(mixed).split(b"</structure>", 1)[1]


def read_in_chunks(body: bytes, sizes: list[int]) -> tuple[list[PacketRecord], bytes]:
    rows, records, pending, offset = PsmlRows(), [], b"", 0
    for size in sizes:
        got, pending = rows.feed(pending + body[offset : offset + size])
        records += got
        offset += size
    got, pending = rows.feed(pending + body[offset:])
    return records + got, pending


def test_whole_stream_gives_one_record_per_row(stream: bytes) -> None:
    end = read_structure(stream)
    assert end is not None
    records, rest = PsmlRows().feed(stream[end:])
    assert len(records) == stream.count(b"<packet>") == len(capture_kinds()) + 500
    assert rest.strip() == b"</psml>"
    assert [r.proto for r in records[:3]] == ["TCP", "UDP", "ICMP"]


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=5000), max_size=60))
def test_any_chunking_gives_the_same_records(stream: bytes, sizes: list[int]) -> None:
    body = stream[read_structure(stream) or 0 :]
    expected, _ = PsmlRows().feed(body)
    records, rest = read_in_chunks(body, sizes)
    assert records == expected
    assert b"<packet>" not in rest


def test_small_address_cache_still_converts_every_row(
    stream: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = stream[read_structure(stream) or 0 :]
    expected, _ = PsmlRows().feed(body)
    monkeypatch.setattr(psml, "_CACHE_LIMIT", 3)
    records, _ = read_in_chunks(body, [200] * (len(body) // 200))
    assert records == expected


def test_structure_is_awaited_until_complete(stream: bytes) -> None:
    header_end = stream.index(b"</structure>")
    assert read_structure(stream[:header_end]) is None
    assert read_structure(stream[: header_end + len(b"</structure>")]) is not None


def test_other_columns_are_refused(every_kind_pcap: Path) -> None:
    default_columns = subprocess.run(
        ["tshark", "-n", "-r", str(every_kind_pcap), "-T", "psml"],
        capture_output=True,
        check=True,
    ).stdout
    with pytest.raises(PsmlFormatError, match="summary columns"):
        read_structure(default_columns)


def test_a_row_of_another_shape_is_an_error_not_a_silent_loss() -> None:
    row = b"<packet>\n<section>1.0</section>\n<section>60</section>\n</packet>\n"
    with pytest.raises(PsmlFormatError, match="does not understand"):
        PsmlRows().feed(row)


def synthetic_row(mac: str, ethertype: str) -> bytes:
    """A row without IP in our columns' shape, as tshark prints it."""
    sections = ("1760000000.123456789", "60", mac, "", "", "", ethertype)
    return (
        b"<packet>\n"
        + b"".join(f"<section>{s}</section>\n".encode() for s in sections)
        + (b"</packet>\n")
    )


def test_a_flood_of_new_macs_and_ethertypes_keeps_every_cache_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(psml, "_CACHE_LIMIT", 50)
    rows = PsmlRows()
    records = []
    for batch in range(40):  # 1,000 source MACs and ethertypes never seen twice
        body = b"".join(
            synthetic_row(f"02:00:00:00:{batch:02x}:{n:02x}", f"0x{0x9000 + batch * 25 + n:04x}")
            for n in range(25)
        )
        got, rest = rows.feed(body)
        assert rest.strip() == b""
        records += got
        assert max(len(cache) for cache in rows._caches) <= 50 + 25  # cleared once over
    assert [r.src_mac for r in records[-2:]] == ["02:00:00:00:27:17", "02:00:00:00:27:18"]
    assert records[-1].proto == f"0x{0x9000 + 39 * 25 + 24:04x}"
    assert records[-1].ts == 1760000000.123456  # the fraction cut to microseconds
