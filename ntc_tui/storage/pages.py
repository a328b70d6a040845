"""DB and index pages: decoding, encoding and the checksum in the bytes the original left spare."""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import (
    DB_HEADER_SIZE,
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
SPARE = struct.Struct("<4sII")  # magic, crc32, reserved (zero)
DB_HEADER = struct.Struct("<5I")  # count, page_number, page_for_write, page_max, db_records_number
IDX_HEADER = struct.Struct("<5I")  # count, level_number, page_number, page_count, offset_0
COUNT = struct.Struct("<I")
RECORD_POINTER = struct.Struct("<II")  # db_page, db_offset: the last 8 bytes of an index entry
LEGACY_SPARE = bytes(SPARE_SIZE)

Key = tuple[Any, ...]


def _db_crc(raw: bytes | bytearray) -> int:
    return zlib.crc32(memoryview(raw)[:DB_TRAILER_OFFSET])


def _idx_crc(raw: bytes | bytearray) -> int:
    view = memoryview(raw)
    return zlib.crc32(view[IDX_HEADER_SIZE:], zlib.crc32(view[:IDX_SPARE_OFFSET]))


def _verify(
    raw: bytes | bytearray,
    at: int,
    magic: bytes,
    crc: Callable[..., int],
    where: str,
    legacy: bool | None,
) -> bool:
    """True for a page of ours with a good checksum, False for a legacy page (zero spare bytes).

    ``legacy``: whether the page's file was written by the original (its page 1 is legacy);
    a page of the other kind than its file is damaged. None: either kind (page 1 itself).
    """
    if len(raw) != PAGE_SIZE:
        raise CorruptError(f"{where}: short page ({len(raw)} of {PAGE_SIZE} bytes)")
    spare = bytes(raw[at : at + SPARE_SIZE])
    if spare == LEGACY_SPARE:
        if legacy is False:
            raise CorruptError(f"{where}: no checksum in a file written by ntc-tui (damaged page)")
        return False
    if legacy:
        raise CorruptError(
            f"{where}: a checksum in a file written by the original ntc (damaged page 1?)"
        )
    found_magic, found_crc, reserved = SPARE.unpack(spare)
    if found_magic != magic:
        raise CorruptError(f"{where}: unknown page marker {spare.hex()} (damaged page)")
    if found_crc != crc(raw):
        raise CorruptError(f"{where}: checksum mismatch (damaged page)")
    if reserved:
        raise CorruptError(f"{where}: reserved bytes after the checksum are not zero")
    return True


def is_legacy(raw: bytes | bytearray, index: bool) -> bool:
    """Whether a page's spare bytes are all zero (written by the original, or damaged)."""
    at = IDX_SPARE_OFFSET if index else DB_TRAILER_OFFSET
    return bytes(raw[at : at + SPARE_SIZE]) == LEGACY_SPARE


def verify_db_page(raw: bytes | bytearray, where: str, legacy: bool | None = None) -> bool:
    """Check a DB page's trailer: True if it is ours, False if legacy; CorruptError if damaged."""
    return _verify(raw, DB_TRAILER_OFFSET, DB_MAGIC, _db_crc, where, legacy)


def verify_index_page(raw: bytes | bytearray, where: str, legacy: bool | None = None) -> bool:
    """Check an index page's spare bytes: True if ours, False if legacy, else CorruptError."""
    return _verify(raw, IDX_SPARE_OFFSET, IDX_MAGIC, _idx_crc, where, legacy)


def seal_db_page(data: bytearray) -> bytes:
    """The page's bytes with ntc-tui's trailer (magic + crc32) in bytes 8180-8191."""
    SPARE.pack_into(data, DB_TRAILER_OFFSET, DB_MAGIC, _db_crc(data), 0)
    return bytes(data)


def seal_index_page(data: bytearray) -> bytes:
    """The page's bytes with ntc-tui's checksum (magic + crc32) in header bytes 20-31."""
    SPARE.pack_into(data, IDX_SPARE_OFFSET, IDX_MAGIC, _idx_crc(data), 0)
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

    def records(self, layout: Layout) -> list[tuple[Any, ...]]:
        """Its records in slot order: (key fields..., vol, packs) tuples."""
        end = DB_HEADER_SIZE + layout.record_size * self.count
        return list(layout.record.iter_unpack(memoryview(self.data)[DB_HEADER_SIZE:end]))


def decode_db_page(
    raw: bytes | bytearray, number: int, layout: Layout, name: str, legacy: bool = False
) -> DbPage:
    """A DB page from its bytes; CorruptError names ``name`` and the page if they are damaged."""
    where = f"{name} page {number}"
    verify_db_page(raw, where, legacy)
    count, page_number, *_ = DB_HEADER.unpack_from(raw, 0)
    if page_number != number:
        raise CorruptError(f"{where}: holds the page number {page_number} (misplaced page)")
    if count > layout.records_per_page:
        raise CorruptError(f"{where}: count {count} exceeds {layout.records_per_page} records")
    return DbPage(number, bytearray(raw))


def encode_db_page(page: DbPage) -> bytes:
    """The bytes of a DB page, sealed with its checksum."""
    return seal_db_page(page.data)


class IndexPage:
    """An index page kept as its bytes; its keys are decoded (once) when a writer searches it.

    Entry i holds key i, the child right of it (``child(i + 1)``), and the record pointer;
    ``child(0)`` is offset_0. A leaf has offset_0 0xFFFFFFFF (the original wrote 0).
    """

    __slots__ = ("_keys", "data", "layout", "number")

    def __init__(
        self, number: int, data: bytearray, layout: Layout, keys: list[Key] | None = None
    ) -> None:
        self.number = number
        self.data = data
        self.layout = layout
        self._keys = keys  # the decoded keys, kept in step with ``data`` once decoded

    @classmethod
    def build(
        cls,
        number: int,
        layout: Layout,
        level: int,
        offset_0: int,
        entries: bytes = b"",
        keys: list[Key] | None = None,
    ) -> IndexPage:
        """A page of ``level`` holding packed ``entries`` (whose keys are ``keys`` if known)."""
        data = bytearray(PAGE_SIZE)
        count = len(entries) // layout.entry_size
        IDX_HEADER.pack_into(data, 0, count, level, number, 0, offset_0)
        data[IDX_HEADER_SIZE : IDX_HEADER_SIZE + len(entries)] = entries
        return cls(number, data, layout, keys)

    # --- header fields -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return int(COUNT.unpack_from(self.data, 0)[0])

    @property
    def level(self) -> int:
        return int(COUNT.unpack_from(self.data, 4)[0])

    @level.setter
    def level(self, value: int) -> None:
        COUNT.pack_into(self.data, 4, value)

    @property
    def page_count(self) -> int:
        return int(COUNT.unpack_from(self.data, 12)[0])

    @page_count.setter
    def page_count(self, value: int) -> None:
        COUNT.pack_into(self.data, 12, value)

    @property
    def is_leaf(self) -> bool:
        return bool(COUNT.unpack_from(self.data, 16)[0] == NO_CHILD)

    # --- entries -------------------------------------------------------------------------------

    @property
    def keys(self) -> list[Key]:
        """The keys in order (decoded on first use, then kept in step with every edit)."""
        keys = self._keys
        if keys is None:
            keys = self._keys = list(map(self.layout.key_of, self.entries()))
        return keys

    def entries(self, start: int = 0) -> list[tuple[Any, ...]]:
        """Entries start.. as (key fields..., child, db_page, db_offset) tuples."""
        size = self.layout.entry_size
        view = memoryview(self.data)[
            IDX_HEADER_SIZE + size * start : IDX_HEADER_SIZE + size * self.count
        ]
        return list(self.layout.entry.iter_unpack(view))

    def entry(self, position: int) -> tuple[Any, ...]:
        """Entry ``position`` as a (key fields..., child, db_page, db_offset) tuple."""
        found: tuple[Any, ...] = self.layout.entry.unpack_from(
            self.data, IDX_HEADER_SIZE + self.layout.entry_size * position
        )
        return found

    def key_at(self, position: int) -> Key:
        key: Key = self.layout.key.unpack_from(
            self.data, IDX_HEADER_SIZE + self.layout.entry_size * position
        )
        return key

    def pointer(self, position: int) -> tuple[int, int]:
        """db_page and db_offset of entry ``position``."""
        layout = self.layout
        at = IDX_HEADER_SIZE + layout.entry_size * position + layout.key.size + 4
        found: tuple[int, int] = RECORD_POINTER.unpack_from(self.data, at)
        return found

    def child(self, position: int) -> int:
        """The child page left of key ``position`` (right of key ``position - 1``)."""
        if not position:
            return int(COUNT.unpack_from(self.data, 16)[0])
        layout = self.layout
        at = IDX_HEADER_SIZE + layout.entry_size * (position - 1) + layout.key.size
        return int(COUNT.unpack_from(self.data, at)[0])

    def search(self, key: Key) -> int:
        """The position of the first key >= ``key``: by the decoded keys of an inner page (few,
        and searched by every lookup) or of a page a writer decoded, else by binary search of
        the bytes (a reader's lookup decodes no leaf)."""
        keys = self._keys
        if keys is None and not self.is_leaf:
            keys = self.keys
        if keys is not None:
            return bisect_left(keys, key)
        unpack = self.layout.key.unpack_from
        size = self.layout.entry_size
        data = self.data
        lo, hi = 0, self.count
        while lo < hi:
            middle = (lo + hi) >> 1
            if unpack(data, IDX_HEADER_SIZE + size * middle) < key:
                lo = middle + 1
            else:
                hi = middle
        return lo

    def columns(self) -> tuple[list[Key], list[int], list[int], list[int] | None]:
        """keys, db_pages, db_offsets, and children (None on a leaf: all 0xFFFFFFFF)."""
        entries = self.entries()
        fields = self.layout.key_fields
        children = [int(COUNT.unpack_from(self.data, 16)[0])]
        children += [entry[fields] for entry in entries]
        leaf = children.count(NO_CHILD) == len(children)
        return (
            list(map(self.layout.key_of, entries)),
            [entry[fields + 1] for entry in entries],
            [entry[fields + 2] for entry in entries],
            None if leaf else children,
        )

    # --- edits ---------------------------------------------------------------------------------

    def pack_entry(self, key: Key, child: int, db_page: int, db_offset: int) -> bytes:
        return self.layout.entry.pack(*key, child, db_page, db_offset)

    def insert(self, position: int, key: Key, entry: bytes) -> None:
        """Insert the packed ``entry`` of ``key`` at ``position`` (the page has room for it)."""
        self.insert_many([position], [key], [entry])

    def insert_many(self, positions: list[int], keys: list[Key], entries: list[bytes]) -> None:
        """Insert packed entries, each before the entry now at its position (ascending; equal
        positions keep their order); the page has room for them all."""
        size = self.layout.entry_size
        data = self.data
        count = self.count
        pieces: list[bytes | bytearray] = []
        start = IDX_HEADER_SIZE
        for position, entry in zip(positions, entries, strict=True):
            at = IDX_HEADER_SIZE + size * position
            pieces.append(data[start:at])
            pieces.append(entry)
            start = at
        pieces.append(data[start : IDX_HEADER_SIZE + size * count])
        body = b"".join(pieces)
        data[IDX_HEADER_SIZE : IDX_HEADER_SIZE + len(body)] = body
        COUNT.pack_into(data, 0, count + len(entries))
        decoded = self._keys
        if decoded is not None:
            for shift, (position, key) in enumerate(zip(positions, keys, strict=True)):
                decoded.insert(position + shift, key)

    def overflow(self, position: int, key: Key, entry: bytes) -> tuple[bytes, list[Key] | None]:
        """The entries (packed) and keys the page would hold with ``entry`` inserted."""
        size = self.layout.entry_size
        at = IDX_HEADER_SIZE + size * position
        data = self.data
        body = data[IDX_HEADER_SIZE:at] + entry + data[at : IDX_HEADER_SIZE + size * self.count]
        keys = self._keys
        return bytes(body), None if keys is None else [*keys[:position], key, *keys[position:]]

    def replace(self, offset_0: int, entries: bytes, keys: list[Key] | None) -> None:
        """Make the page hold exactly ``entries`` (packed) right of ``offset_0``."""
        data = self.data
        count = len(entries) // self.layout.entry_size
        COUNT.pack_into(data, 0, count)
        COUNT.pack_into(data, 16, offset_0)
        data[IDX_HEADER_SIZE : IDX_HEADER_SIZE + len(entries)] = entries
        data[IDX_HEADER_SIZE + len(entries) :] = bytes(PAGE_SIZE - IDX_HEADER_SIZE - len(entries))
        self._keys = keys


def decode_index_page(
    raw: bytes | bytearray, number: int, layout: Layout, name: str, legacy: bool = False
) -> IndexPage:
    """An index page from its bytes; CorruptError names ``name`` and the page if damaged."""
    where = f"{name} page {number}"
    verify_index_page(raw, where, legacy)
    count, _, page_number, _, _ = IDX_HEADER.unpack_from(raw, 0)
    if page_number != number:
        raise CorruptError(f"{where}: holds the page number {page_number} (misplaced page)")
    if count > layout.max_keys:
        raise CorruptError(f"{where}: count {count} exceeds {layout.max_keys} keys")
    return IndexPage(number, bytearray(raw), layout)


def encode_index_page(page: IndexPage) -> bytes:
    """The bytes of an index page, sealed with its checksum."""
    return seal_index_page(page.data)


def relevel_index_page(raw: bytes, where: str) -> bytes:
    """An index page's bytes one level further from the root (after the root split), resealed."""
    verify_index_page(raw, where, legacy=False)
    data = bytearray(raw)
    level = COUNT.unpack_from(data, 4)[0]
    COUNT.pack_into(data, 4, level + 1)
    return seal_index_page(data)


def empty_tail(raw: bytes | bytearray, start: int, end: int) -> bool:
    """Whether bytes start..end of a page are all zero."""
    return raw.count(0, start, end) == end - start
