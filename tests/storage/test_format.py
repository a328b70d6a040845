"""FORMAT.md and the code agree on every offset; every page type survives encode and decode."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from ntc_tui.storage import CorruptError, DataDir, Layout, layout, pages
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


def prose_fields(opening: str) -> tuple[int, dict[str, int]]:
    """The base offset and field offsets of "<opening>: bytes B+24i… name, +4 name, …"."""
    paragraph = FORMAT.split(opening, 1)[1].split("\n\n", 1)[0]
    text = re.sub(r"\([^)]*\)", "", paragraph.replace("\n", " "))  # without the asides
    head = re.match(r": bytes (\d+)\+24i(?:–\d+\+24i)? (\w+)", text)
    assert head is not None, paragraph
    fields = {head.group(2): 0}
    fields.update((name, int(offset)) for offset, name in re.findall(r"\+(\d+) (\w+)", text))
    return int(head.group(1)), fields


WIDTHS = {"vol": "<q"}  # every other field of a record or entry is a u32


def field(raw: bytes, at: int, name: str) -> int:
    value: int = struct.unpack_from(WIDTHS.get(name, "<I"), raw, at)[0]
    return value


def test_record_entry_and_page_1_fields_of_a_real_table_match_the_document(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data"
    keys = [(20260101 + n % 3, 0x0A000000 + n * 7919, 0xC0A80000 + n) for n in range(800)]
    with DataDir.open(path, writer=True, create=True) as datadir:
        table = datadir.table("ntc", CONN)
        table.upsert_many((key, 1000 + n, n + 1) for n, key in enumerate(keys))
        datadir.commit()
        counts = (table.records.page_max, table.record_count(), table.tree.pages.count)
    db, idx = (path / "ntc.db").read_bytes(), (path / "ntc.idx").read_bytes()
    db_rows, idx_rows = table_rows("DB page"), table_rows("Index page")

    def header(raw: bytes, rows: dict[str, tuple[int, int]], name: str, page: int = 1) -> int:
        return field(raw, (page - 1) * PAGE_SIZE + rows[name][0], name)

    db_pages, idx_pages = len(db) // PAGE_SIZE, len(idx) // PAGE_SIZE
    assert db_pages == 3 and idx_pages >= 3  # two DB pages full, a root with children
    assert header(db, db_rows, "page_max") == header(db, db_rows, "page_for_write") == db_pages
    assert header(db, db_rows, "db_records_number") == len(keys)
    assert counts == (db_pages, len(keys), idx_pages)
    assert header(idx, idx_rows, "page_count") == idx_pages
    assert header(idx, idx_rows, "level_number") == 0
    for page in range(2, db_pages + 1):
        assert header(db, db_rows, "page_number", page) == page
        assert header(db, db_rows, "page_max", page) == 0
    base, record = prose_fields("Record i of a 24-byte layout")
    assert base == layout.DB_HEADER_SIZE and record == {
        "date": 0,
        "src": 4,
        "dst": 8,
        "vol": 12,
        "packs": 20,
    }
    stored = {}
    for page in range(db_pages):
        for slot in range(header(db, db_rows, "count", page + 1)):
            at = page * PAGE_SIZE + base + CONN.record_size * slot
            row = {name: field(db, at + offset, name) for name, offset in record.items()}
            stored[(row["date"], row["src"], row["dst"])] = (page + 1, at % PAGE_SIZE // 4, row)
    assert sorted(stored) == sorted(keys)
    for n, key in enumerate(keys):
        assert stored[key][2]["vol"] == 1000 + n and stored[key][2]["packs"] == n + 1
    base, entry = prose_fields("Entry i of a 24-byte layout")
    assert base == layout.IDX_HEADER_SIZE and entry == {
        "date": 0,
        "src": 4,
        "dst": 8,
        "child": 12,
        "db_page": 16,
        "db_offset": 20,
    }
    indexed = {}
    children = set()
    for page in range(idx_pages):
        for slot in range(header(idx, idx_rows, "count", page + 1)):
            at = page * PAGE_SIZE + base + CONN.entry_size * slot
            row = {name: field(idx, at + offset, name) for name, offset in entry.items()}
            indexed[(row["date"], row["src"], row["dst"])] = (row["db_page"], row["db_offset"])
            children.add(row["child"])
        children.add(header(idx, idx_rows, "offset_0", page + 1))
    assert indexed == {key: place[:2] for key, place in stored.items()}  # db_offset in words
    assert children == {NO_CHILD, *range(2, idx_pages + 1)}


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
    count = len(keys)
    leaf_entries = b"".join(
        geometry.entry.pack(*key, NO_CHILD, n + 1, 5) for n, key in enumerate(keys)
    )
    inner_entries = b"".join(
        geometry.entry.pack(*key, child, n + 1, 5 + 6 * n)
        for n, (key, child) in enumerate(zip(keys[:3], [3, 4, 5], strict=True))
    )
    leaf = pages.IndexPage.build(7, geometry, 2, NO_CHILD, leaf_entries)
    inner = pages.IndexPage.build(1, geometry, 0, 2, inner_entries)
    inner.page_count = 9
    expected = {
        7: (keys, list(range(1, count + 1)), [5] * count, None),
        1: (keys[:3], [1, 2, 3], [5, 11, 17], [2, 3, 4, 5]),
    }
    for page in (leaf, inner):
        raw = pages.encode_index_page(page)
        assert len(raw) == PAGE_SIZE and raw[20:24] == b"NTCi"
        again = pages.decode_index_page(raw, page.number, geometry, "t.idx")
        assert again.columns() == expected[page.number]
        assert (again.level, again.page_count, again.count) == (
            page.level,
            page.page_count,
            page.count,
        )
        page_keys = expected[page.number][0]
        assert [again.search(key) for key in page_keys] == list(range(len(page_keys)))  # bytes
        assert again.keys == page_keys  # decoded
        assert [again.search(key) for key in page_keys] == list(range(len(page_keys)))
    raw = pages.encode_index_page(leaf)
    assert struct.unpack_from("<I", raw, 16)[0] == NO_CHILD


def test_legacy_pages_are_accepted_only_in_a_legacy_file() -> None:
    raw = bytearray(PAGE_SIZE)
    struct.pack_into("<5I", raw, 0, 1, 0, 1, 1, 0)
    CONN.entry.pack_into(raw, 32, 1, 2, 3, 0, 1, 5)
    page = pages.decode_index_page(bytes(raw), 1, CONN, "ntc.idx", legacy=True)
    assert page.columns()[3] == [0, 0] and page.keys == [(1, 2, 3)]
    assert pages.verify_index_page(bytes(raw), "x") is False
    with pytest.raises(CorruptError, match=r"ntc\.idx page 1: no checksum in a file written by"):
        pages.decode_index_page(bytes(raw), 1, CONN, "ntc.idx")
    sealed = pages.encode_index_page(pages.IndexPage(1, raw, CONN))
    with pytest.raises(CorruptError, match="a checksum in a file written by the original"):
        pages.decode_index_page(sealed, 1, CONN, "ntc.idx", legacy=True)


@pytest.mark.parametrize("at", [8188, 8191])
def test_reserved_bytes_after_the_checksum_must_be_zero(at: int) -> None:
    page = pages.DbPage.empty(2)
    raw = bytearray(pages.encode_db_page(page))
    assert raw[8188:8192] == bytes(4)
    raw[at] = 1
    with pytest.raises(CorruptError, match="reserved bytes"):
        pages.decode_db_page(bytes(raw), 2, CONN, "t.db")
    index = bytearray(pages.encode_index_page(pages.IndexPage.build(2, CONN, 1, NO_CHILD)))
    assert index[28:32] == bytes(4)
    index[at - 8188 + 28] = 1
    with pytest.raises(CorruptError, match="reserved bytes"):
        pages.decode_index_page(bytes(index), 2, CONN, "t.idx")


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
