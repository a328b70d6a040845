"""The domain adapter over storage: batches, range scans by day and second, the ledger, locking."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from ntc_tui.errors import StoreUnusableError
from ntc_tui.records import encode_date, parse_address
from ntc_tui.storage.checker import check_dir
from ntc_tui.storage.layout import IDX_HEADER_SIZE
from ntc_tui.store import (
    Batch,
    ConnectionRow,
    LedgerEntry,
    ProtocolCell,
    Store,
    format_key,
    layout_for_stem,
    proto_stem,
)

A4, B4 = parse_address("10.9.0.1"), parse_address("10.9.0.2")
A6, B6 = parse_address("fd09::1"), parse_address("fd09::2")
D1, D2, D3 = encode_date(2026, 10, 31), encode_date(2026, 11, 1), encode_date(2026, 11, 2)
OCT31 = 1_793_404_800  # 2026-10-31 00:00:00 UTC
NOV1 = OCT31 + 86400


@pytest.fixture
def data_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "data"
    yield path
    report = check_dir(path, layout_for_stem)
    assert not report.defects, report.defects


def test_batches_add_up_and_scan_by_day(data_dir: Path) -> None:
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(pairs={(D1, A4, B4): [100, 1], (D2, A6, B6): [600, 6]}))
        store.apply(Batch(pairs={(D1, A4, B4): [50, 2], (D3, B4, A4): [7, 1]}))
    with Store.open(data_dir, writer=False) as reader:
        assert list(reader.connections()) == [
            ConnectionRow(D1, A4, B4, 150, 3),
            ConnectionRow(D3, B4, A4, 7, 1),
            ConnectionRow(D2, A6, B6, 600, 6),
        ]
        assert list(reader.connections(D2, D2)) == [ConnectionRow(D2, A6, B6, 600, 6)]
        assert list(reader.connections(D2, D3)) == [
            ConnectionRow(D3, B4, A4, 7, 1),
            ConnectionRow(D2, A6, B6, 600, 6),
        ]
    assert (data_dir.stat().st_mode & 0o777) == 0o700
    assert all((f.stat().st_mode & 0o777) == 0o600 for f in data_dir.glob("*.db"))


def test_protocol_cells_live_in_one_table_per_utc_month(data_dir: Path) -> None:
    cells = {
        (OCT31 + 5, "TCP"): [10, 1],
        (NOV1 + 1, "ICMPv6"): [20, 2],
        (NOV1 + 1, "0x88cc"): [3, 1],
    }
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(proto_cells=cells))
        assert sorted(s for s in store.stems() if s.startswith("proto")) == [
            "proto-2026-10",
            "proto-2026-11",
        ]
        assert list(store.protocol_cells(NOV1, NOV1 + 10)) == [
            ProtocolCell(NOV1 + 1, "0x88cc", 3, 1),
            ProtocolCell(NOV1 + 1, "ICMPv6", 20, 2),
        ]
        assert store.drop_protocol_months("2026-11") == ["proto-2026-10"]
        assert [c.second for c in store.protocol_cells()] == [NOV1 + 1, NOV1 + 1]
    assert proto_stem(NOV1 - 1) == "proto-2026-10"


def test_ledger_entries_are_found_by_head_digest(data_dir: Path) -> None:
    head, other = b"h" * 16, b"i" * 16
    entries = [
        LedgerEntry(head, 100, b"p" * 16, 5000, 40),
        LedgerEntry(head, 250, b"q" * 16, 9000, 70),
    ]
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(ledger=entries))
        store.apply(Batch(ledger=[LedgerEntry(other, 10, b"r" * 16, 1, 1)]))
        assert store.ledger_entries(head) == entries
        assert store.ledger_entries(b"z" * 16) == []


def test_a_second_writer_is_refused_and_a_reader_is_not(data_dir: Path) -> None:
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(pairs={(D1, A4, B4): [1, 1]}))
        with pytest.raises(StoreUnusableError, match="only one program may write"):
            Store.open(data_dir, writer=True)
        with Store.open(data_dir, writer=False) as reader:
            assert len(list(reader.connections())) == 1


def test_a_missing_directory_reads_as_empty(tmp_path: Path) -> None:
    with Store.open(tmp_path / "none", writer=False) as reader:
        assert list(reader.connections()) == [] and reader.stems() == []
    assert not (tmp_path / "none").exists()


def test_keys_read_as_people_write_them() -> None:
    assert format_key("ntc", (D1, A4, B4)) == "2026-10-31 10.9.0.1 > 10.9.0.2"
    assert format_key("ntc6", (D2, A6, B6)) == "2026-11-01 fd09::1 > fd09::2"
    assert format_key("proto-2026-11", (NOV1, b"TCP\0\0\0\0\0")) == "2026-11-01 00:00:00Z TCP"
    assert layout_for_stem("proto-2026-13x") is None and layout_for_stem("other") is None


class Unorderable(bytes):
    """An IPv6 address that refuses to be ordered: the engine fails while staging a batch."""

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("cannot order this address")

    __gt__ = __le__ = __ge__ = __lt__


def test_a_batch_that_fails_while_staging_leaves_nothing_for_the_next(data_dir: Path) -> None:
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(pairs={(D1, A6, B6): [1, 1]}))
        bad = {(D1, A4, B4): [100, 1], (D2, A4, B4): [5, 1], (D1, Unorderable(B6), A6): [1, 1]}
        with pytest.raises(RuntimeError, match="cannot order"):
            store.apply(Batch(pairs=bad))  # the IPv4 rows were staged before the IPv6 one failed
        store.apply(Batch(pairs={(D1, A4, B4): [100, 1]}))
        assert list(store.connections()) == [
            ConnectionRow(D1, A4, B4, 100, 1),
            ConnectionRow(D1, A6, B6, 1, 1),
        ]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (Batch(proto_cells={(NOV1, "ABCDEFGHI"): [1, 1]}), "1 to 8 ASCII characters"),
        (Batch(proto_cells={(NOV1, "TCPé"): [1, 1]}), "1 to 8 ASCII characters"),
        (Batch(proto_cells={(NOV1, ""): [1, 1]}), "1 to 8 ASCII characters"),
        (Batch(pairs={(D1, A6, B6[:15]): [1, 1]}), "IPv4 or an IPv6 address pair"),
        (Batch(pairs={(D1, A4, B6): [1, 1]}), "IPv4 or an IPv6 address pair"),
        (Batch(pairs={(D1, A4, 2**32): [1, 1]}), "not IPv4 addresses"),
        (Batch(pairs={(D1, A4, B4): [-1, 1]}), "two integers >= 0"),
        (Batch(ledger=[LedgerEntry(b"h" * 15, 1, b"p" * 16)]), "digest is 16 bytes"),
    ],
)
def test_a_batch_with_a_key_that_cannot_be_stored_is_refused_whole(
    data_dir: Path, batch: Batch, message: str
) -> None:
    with Store.open(data_dir, writer=True) as store:
        store.apply(Batch(proto_cells={(NOV1, "TCP"): [10, 1]}))
        good = {(D1, A4, B4): [100, 1]}
        with pytest.raises(ValueError, match=message):
            store.apply(
                Batch(
                    pairs={**good, **batch.pairs},
                    proto_cells=batch.proto_cells,
                    ledger=batch.ledger,
                )
            )
        store.apply(Batch(pairs=good, proto_cells={(NOV1, "UDP"): [3, 1]}))
        assert list(store.connections()) == [ConnectionRow(D1, A4, B4, 100, 1)]
        assert list(store.protocol_cells()) == [
            ProtocolCell(NOV1, "TCP", 10, 1),
            ProtocolCell(NOV1, "UDP", 3, 1),
        ]
        assert store.ledger_entries(b"h" * 16) == []


LAZY171 = Path(__file__).parents[1] / "fixtures" / "c-ntc" / "lazy171"


def test_an_index_of_the_original_that_loses_a_key_loses_no_record(tmp_path: Path) -> None:
    """The original's index may point nowhere (child 0): a reader follows its records file."""
    data = tmp_path / "lazy171"
    shutil.copytree(LAZY171, data)
    index = bytearray((data / "ntc.idx").read_bytes())
    count = struct.unpack_from("<I", index, 0)[0]
    children = [IDX_HEADER_SIZE + 24 * slot + 12 for slot in range(count)]
    lazy = [at for at in children if struct.unpack_from("<I", index, at)[0]]
    assert len(lazy) == 1  # the root's one child, page 2, holds the 171st key
    struct.pack_into("<I", index, lazy[0], 0)
    (data / "ntc.idx").write_bytes(bytes(index))
    with Store.open(data, writer=False) as reader:
        rows = list(reader.connections())
    assert len(rows) == 171
    assert (sum(row.bytes for row in rows), sum(row.packets for row in rows)) == (31635, 171)
    assert [row[:3] for row in rows] == sorted(row[:3] for row in rows)
    csv = subprocess.run(
        [sys.executable, "-m", "ntc_tui", "report", "--format", "csv", "--db-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert csv.returncode == 0, csv.stderr
    assert len(csv.stdout.splitlines()) == 1 + 171  # the header line and every record
