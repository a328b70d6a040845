"""DB and index pages: decoding, encoding and the checksum in the bytes the original left spare."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import (
    DB_TRAILER_OFFSET,
    IDX_HEADER_SIZE,
    IDX_SPARE_OFFSET,
    NO_CHILD,
    PAGE_SIZE,
    SPARE_SIZE,
    Layout,
)

DB_MAGIC = b"NTCd"  # first 4 bytes of a DB page trailer written by ntc-tui
IDX_MAGIC = b"NTCi"  # first 4 bytes of an index page's spare header bytes written by ntc-tui
SPARE = struct.Struct("<4sI4x")  # magic, crc32, reserved zero
DB_HEADER = struct.Struct("<5I")  # count, page_number, page_for_write, page_max, db_records_number
IDX_HEADER = struct.Struct("<5I")  # count, level_number, page_number, page_count, offset_0
COUNT = struct.Struct("<I")
LEGACY_SPARE = bytes(SPARE_SIZE)

Key = tuple[Any, ...]


def _db_crc(raw: bytes | bytearray) -> int:
    return zlib.crc32(memoryview(raw)[:DB_TRAILER_OFFSET])


def _idx_crc(raw: bytes | bytearray) -> int:
    view = memoryview(raw)
    return zlib.crc32(view[IDX_HEADER_SIZE:], zlib.crc32(view[:IDX_SPARE_OFFSET]))


def _verify(
    raw: bytes | bytearray, at: int, magic: bytes, crc: Callable[..., int], where: str
) -> bool:
    """True for a page of ours with a good checksum, False for a legacy page (zero spare bytes)."""
    if len(raw) != PAGE_SIZE:
        raise CorruptError(f"{where}: short page ({len(raw)} of {PAGE_SIZE} bytes)")
    spare = bytes(raw[at : at + SPARE_SIZE])
    if spare == LEGACY_SPARE:
        return False
    found_magic, found_crc = SPARE.unpack(spare)
    if found_magic != magic:
        raise CorruptError(f"{where}: unknown page marker {spare.hex()} (damaged page)")
    if found_crc != crc(raw):
        raise CorruptError(f"{where}: checksum mismatch (damaged page)")
    return True


def verify_db_page(raw: bytes | bytearray, where: str) -> bool:
    """Check a DB page's trailer: True if it is ours, False if legacy; CorruptError if damaged."""
    return _verify(raw, DB_TRAILER_OFFSET, DB_MAGIC, _db_crc, where)


def verify_index_page(raw: bytes | bytearray, where: str) -> bool:
    """Check an index page's spare bytes: True if ours, False if legacy, else CorruptError."""
    return _verify(raw, IDX_SPARE_OFFSET, IDX_MAGIC, _idx_crc, where)


def seal_db_page(data: bytearray) -> bytes:
    """The page's bytes with ntc-tui's trailer (magic + crc32) in bytes 8180-8191."""
    SPARE.pack_into(data, DB_TRAILER_OFFSET, DB_MAGIC, _db_crc(data))
    return bytes(data)


def seal_index_page(data: bytearray) -> bytes:
    """The page's bytes with ntc-tui's checksum (magic + crc32) in header bytes 20-31."""
    SPARE.pack_into(data, IDX_SPARE_OFFSET, IDX_MAGIC, _idx_crc(data))
    return bytes(data)


class DbPage:
    """A page of the records file, kept as its bytes; records are edited in place."""

    __slots__ = ("data", "number")

    def __init__(self, number: int, data: bytearray) -> None:
        self.number = number
        self.data = data

    @classmethod
    def empty(cls, number: int) -> DbPage:
        data = bytearray(PAGE_SIZE)
        DB_HEADER.pack_into(data, 0, 0, number, 0, 0, 0)
        return cls(number, data)

    @property
    def count(self) -> int:
        return int(COUNT.unpack_from(self.data, 0)[0])

    def header(self) -> tuple[int, int, int, int, int]:
        """count, page_number, page_for_write, page_max, db_records_number."""
        fields: tuple[int, int, int, int, int] = DB_HEADER.unpack_from(self.data, 0)
        return fields


def decode_db_page(raw: bytes | bytearray, number: int, layout: Layout, name: str) -> DbPage:
    """A DB page from its bytes; CorruptError names ``name`` and the page if they are damaged."""
    where = f"{name} page {number}"
    verify_db_page(raw, where)
    count, page_number, *_ = DB_HEADER.unpack_from(raw, 0)
    if page_number != number:
        raise CorruptError(f"{where}: holds the page number {page_number} (misplaced page)")
    if count > layout.records_per_page:
        raise CorruptError(f"{where}: count {count} exceeds {layout.records_per_page} records")
    return DbPage(number, bytearray(raw))


def encode_db_page(page: DbPage) -> bytes:
    """The bytes of a DB page, sealed with its checksum."""
    return seal_db_page(page.data)


@dataclass(slots=True)
class IndexPage:
    """A decoded index page: keys in order, their record pointers, and the children between them.

    ``children`` is None on a leaf; otherwise children[i] is left of keys[i] and children[i + 1]
    right of it (offset_0 is children[0]). Files of the original may hold 0 for "no child yet".
    """

    number: int
    level: int
    page_count: int
    keys: list[Key]
    db_pages: list[int]
    db_offsets: list[int]
    children: list[int] | None

    @classmethod
    def empty(cls, number: int, level: int) -> IndexPage:
        return cls(number, level, 0, [], [], [], None)


def decode_index_page(raw: bytes | bytearray, number: int, layout: Layout, name: str) -> IndexPage:
    """An index page from its bytes; CorruptError names ``name`` and the page if damaged."""
    where = f"{name} page {number}"
    verify_index_page(raw, where)
    count, level, page_number, page_count, offset_0 = IDX_HEADER.unpack_from(raw, 0)
    if page_number != number:
        raise CorruptError(f"{where}: holds the page number {page_number} (misplaced page)")
    if count > layout.max_keys:
        raise CorruptError(f"{where}: count {count} exceeds {layout.max_keys} keys")
    flat = layout.entries(count).unpack_from(raw, IDX_HEADER_SIZE)
    width = layout.key_fields + 3
    fields = layout.key_fields
    keys = list(zip(*[flat[j::width] for j in range(fields)], strict=True)) if count else []
    child_column = flat[fields::width]
    children: list[int] | None
    if offset_0 == NO_CHILD and child_column.count(NO_CHILD) == count:
        children = None
    else:
        children = [offset_0, *child_column]
    return IndexPage(
        number,
        level,
        page_count,
        keys,
        list(flat[fields + 1 :: width]),
        list(flat[fields + 2 :: width]),
        children,
    )


def encode_index_page(page: IndexPage, layout: Layout) -> bytes:
    """The bytes of an index page, sealed with its checksum."""
    count = len(page.keys)
    width = layout.key_fields + 3
    fields = layout.key_fields
    flat: list[Any] = [0] * (width * count)
    if count:
        for j, column in enumerate(zip(*page.keys, strict=True)):
            flat[j::width] = column
        flat[fields::width] = page.children[1:] if page.children else [NO_CHILD] * count
        flat[fields + 1 :: width] = page.db_pages
        flat[fields + 2 :: width] = page.db_offsets
    data = bytearray(PAGE_SIZE)
    offset_0 = page.children[0] if page.children else NO_CHILD
    IDX_HEADER.pack_into(data, 0, count, page.level, page.number, page.page_count, offset_0)
    layout.entries(count).pack_into(data, IDX_HEADER_SIZE, *flat)
    return seal_index_page(data)


def relevel_index_page(raw: bytes, where: str) -> bytes:
    """An index page's bytes one level further from the root (after the root split), resealed."""
    verify_index_page(raw, where)
    data = bytearray(raw)
    level = COUNT.unpack_from(data, 4)[0]
    COUNT.pack_into(data, 4, level + 1)
    return seal_index_page(data)


def empty_tail(raw: bytes | bytearray, start: int, end: int) -> bool:
    """Whether bytes start..end of a page are all zero."""
    return not any(memoryview(raw)[start:end])
