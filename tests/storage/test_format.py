"""FORMAT.md and the code agree on every offset; every page type survives encode and decode."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from ntc_tui.storage import CorruptError, Layout, layout, pages
from ntc_tui.storage.journal import Journal, decode, encode
from ntc_tui.storage.layout import NO_CHILD, PAGE_SIZE

FORMAT = Path(pages.__file__).with_name("FORMAT.md").read_text()
CONN = Layout("<III")


def table_rows(heading: str) -> dict[str, tuple[int, int]]:
    """field name -> (first byte, last byte) from the offset table under ``heading``."""
    section = FORMAT.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for match in re.finditer(r"^\| (\d+)–(\d+) \| ([^|]+?) \|", section, re.MULTILINE):
        rows[match.group(3)] = (int(match.group(1)), int(match.group(2)))
    return rows


def test_db_page_offsets_match_the_document() -> None:
    rows = table_rows("DB page")
    names = ["count", "page_number", "page_for_write", "page_max", "db_records_number"]
    for position, name in enumerate(names):
        assert rows[name] == (4 * position, 4 * position + 3)
    assert pages.DB_HEADER.size == layout.DB_HEADER_SIZE == rows["db_records_number"][1] + 1
    assert rows["trailer magic"] == (layout.DB_TRAILER_OFFSET, layout.DB_TRAILER_OFFSET + 3)
    assert rows["trailer crc32"][0] == layout.DB_TRAILER_OFFSET + 4
    assert rows["reserved"][1] == PAGE_SIZE - 1
    assert pages.SPARE.size == layout.SPARE_SIZE == PAGE_SIZE - layout.DB_TRAILER_OFFSET
    assert "`NTCd`" in FORMAT and pages.DB_MAGIC == b"NTCd"


def test_index_page_offsets_match_the_document() -> None:
    rows = table_rows("Index page")
    names = ["count", "level_number", "page_number", "page_count", "offset_0"]
    for position, name in enumerate(names):
        assert rows[name] == (4 * position, 4 * position + 3)
    assert rows["checksum magic"] == (layout.IDX_SPARE_OFFSET, layout.IDX_SPARE_OFFSET + 3)
    assert rows["reserved"] == (28, layout.IDX_HEADER_SIZE - 1)
    assert "`NTCi`" in FORMAT and pages.IDX_MAGIC == b"NTCi"


def test_journal_offsets_match_the_document() -> None:
    rows = table_rows("Journal")
    assert rows["magic `NTCJRNL1`"] == (0, 7)
    assert "`NTCJEND1`" in FORMAT
    from ntc_tui.storage import journal

    assert journal.HEADER.size == 16 and journal.FOOTER.size == 20


@pytest.mark.parametrize(
    ("key_format", "record", "per_page", "max_keys"),
    [
        ("<III", 24, 340, 340),
        ("<I16s16s", 48, 170, 170),
        ("<I8s", 24, 340, 340),
        ("<16sQ16s", 52, 156, 156),
    ],
)
def test_layout_table_matches_the_document(
    key_format: str, record: int, per_page: int, max_keys: int
) -> None:
    geometry = Layout(key_format)
    assert (geometry.record_size, geometry.records_per_page, geometry.max_keys) == (
        record,
        per_page,
        max_keys,
    )
    assert f"| `{key_format}`" in FORMAT
    row = next(line for line in FORMAT.splitlines() if line.startswith(f"| `{key_format}`"))
    assert f"| {record} | {per_page} |" in row and f"| {max_keys} | {max_keys // 2} |" in row


def test_every_invariant_the_checker_cites_is_documented() -> None:
    source = Path(pages.__file__).with_name("checker.py").read_text()
    cited = set(re.findall(r'"([FJPDI]\d+)"', source))
    documented = set(re.findall(r"^- \*\*([FJPDI]\d+)\*\*", FORMAT, re.MULTILINE))
    assert cited <= documented
    assert documented <= cited | {"F0"} | cited


def test_spec_example_address_bytes() -> None:
    page = pages.DbPage.empty(1)
    CONN.record.pack_into(page.data, 20, 0x07EA0B16, 0x0AC80001, 0x0AC80002, 5, 1)
    assert bytes(page.data[24:28]) == bytes.fromhex("0100c80a")
    assert CONN.db_offset(0) == 5 and CONN.db_offset(339) == 5 + 6 * 339


def test_db_page_round_trip() -> None:
    page = pages.DbPage.empty(3)
    CONN.record.pack_into(page.data, 20, 1, 2, 3, 2**63 - 1, 2**32 - 1)
    struct.pack_into("<I", page.data, 0, 1)
    raw = pages.encode_db_page(page)
    assert raw[8180:8184] == b"NTCd"
    again = pages.decode_db_page(raw, 3, CONN, "t.db")
    assert again.data == bytearray(raw) and again.count == 1
    with pytest.raises(CorruptError, match=r"t\.db page 4"):
        pages.decode_db_page(raw, 4, CONN, "t.db")
    flipped = bytearray(raw)
    flipped[100] ^= 1
    with pytest.raises(CorruptError, match="checksum"):
        pages.decode_db_page(bytes(flipped), 3, CONN, "t.db")


@pytest.mark.parametrize("key_format", ["<III", "<I16s16s", "<16sQ16s"])
def test_index_pages_round_trip(key_format: str) -> None:
    geometry = Layout(key_format)
    sample = geometry.key.unpack(bytes(range(geometry.key.size)))
    keys = [
        tuple(f + i if isinstance(f, int) else f[:-1] + bytes([i]) for f in sample)
        for i in range(geometry.max_keys)
    ]
    leaf = pages.IndexPage(7, 2, 0, keys, list(range(len(keys))), [5] * len(keys), None)
    inner = pages.IndexPage(1, 0, 9, keys[:3], [1, 2, 3], [5, 11, 17], [2, 3, 4, 5])
    for page in (leaf, inner):
        raw = pages.encode_index_page(page, geometry)
        assert len(raw) == PAGE_SIZE and raw[20:24] == b"NTCi"
        assert pages.decode_index_page(raw, page.number, geometry, "t.idx") == page
    raw = pages.encode_index_page(leaf, geometry)
    assert struct.unpack_from("<I", raw, 16)[0] == NO_CHILD


def test_legacy_pages_without_checksum_are_accepted() -> None:
    raw = bytearray(PAGE_SIZE)
    struct.pack_into("<5I", raw, 0, 1, 0, 1, 1, 0)
    CONN.entries(1).pack_into(raw, 32, 1, 2, 3, 0, 1, 5)
    page = pages.decode_index_page(bytes(raw), 1, CONN, "ntc.idx")
    assert page.children == [0, 0] and page.keys == [(1, 2, 3)]
    assert pages.verify_index_page(bytes(raw), "x") is False


def test_journal_round_trip_and_damage() -> None:
    journal = Journal(
        drops=["old.db"],
        renames=[("a.db.repair", "a.db")],
        pages={"a.idx": {1: bytes(PAGE_SIZE), 3: b"\x01" * PAGE_SIZE}},
    )
    raw = b"".join(encode(journal))
    assert decode(raw) == journal
    for damaged in (
        raw[:-1],
        raw[:100],
        b"x" + raw[1:],
        raw[:50] + bytes([raw[50] ^ 1]) + raw[51:],
        b"",
    ):
        with pytest.raises(CorruptError):
            decode(damaged)
