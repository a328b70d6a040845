"""Record layouts: the key format of a table and the page geometry that follows from it."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

PAGE_SIZE = 8192
DB_HEADER_SIZE = 20
DB_TRAILER_OFFSET = 8180  # bytes 8180-8191 of a DB page: this project's page trailer
IDX_HEADER_SIZE = 32
IDX_SPARE_OFFSET = 20  # bytes 20-31 of an index page header: this project's checksum area
SPARE_SIZE = 12
VALUE_FORMAT = "<qI"  # vol i64, packs u32: the value of every record
POINTER_FORMAT = "<III"  # child page, db_page, db_offset: what follows the key in an index entry
NO_CHILD = 0xFFFFFFFF  # child pointer of a leaf
VOL_MAX = 2**63 - 1  # counters saturate here instead of wrapping
PACKS_MAX = 2**32 - 1
NO_SLOT = PAGE_SIZE  # slot_table's entry for a db_offset that designates no record slot
UNSIGNED_FIELDS = re.compile(r"(?:\d*[BHILQs])*")  # key formats whose big-endian bytes sort as keys


@dataclass(frozen=True)
class Layout:
    """A table's key format (little-endian struct format) and the page geometry derived from it."""

    key_format: str
    key: struct.Struct = field(init=False, repr=False, compare=False)
    record: struct.Struct = field(init=False, repr=False, compare=False)
    entry: struct.Struct = field(init=False, repr=False, compare=False)  # key + POINTER_FORMAT
    key_fields: int = field(init=False, repr=False, compare=False)
    # the key of a record or entry tuple (its first key_fields items)
    key_of: Callable[[tuple[Any, ...]], tuple[Any, ...]] = field(
        init=False, repr=False, compare=False
    )
    byte_fields: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    # slot_table[db_offset]: the record slot a db_offset designates, NO_SLOT if none
    slot_table: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # sort key of a (key, vol, packs) item: its key's big-endian bytes where they sort as keys
    item_order: Callable[[tuple[Any, ...]], Any] = field(init=False, repr=False, compare=False)
    record_size: int = field(init=False)
    records_per_page: int = field(init=False)
    entry_size: int = field(init=False)
    max_keys: int = field(init=False)  # 2n: keys an index page holds

    def __post_init__(self) -> None:
        if not self.key_format.startswith("<"):
            raise ValueError(f"key format must be little-endian ('<...'): {self.key_format!r}")
        key = struct.Struct(self.key_format)
        pointer_size = struct.calcsize(POINTER_FORMAT)
        record_size = key.size + struct.calcsize(VALUE_FORMAT)
        entry_size = key.size + pointer_size
        max_keys = (PAGE_SIZE - IDX_HEADER_SIZE) // entry_size // 2 * 2
        if record_size % 4:
            raise ValueError(f"record size must be a multiple of 4 bytes: {self.key_format!r}")
        fields = key.unpack(bytes(key.size))
        records_per_page = (DB_TRAILER_OFFSET - DB_HEADER_SIZE) // record_size
        slots = [NO_SLOT] * (PAGE_SIZE // 4)
        for slot in range(records_per_page):
            slots[(DB_HEADER_SIZE + record_size * slot) // 4] = slot
        key_of = itemgetter(*range(len(fields))) if len(fields) > 1 else _first_as_tuple
        sized = tuple(
            (index, len(value)) for index, value in enumerate(fields) if isinstance(value, bytes)
        )
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "record", struct.Struct(self.key_format + VALUE_FORMAT[1:]))
        object.__setattr__(self, "entry", struct.Struct(self.key_format + POINTER_FORMAT[1:]))
        object.__setattr__(self, "key_fields", len(fields))
        object.__setattr__(self, "key_of", key_of)
        object.__setattr__(self, "byte_fields", sized)
        object.__setattr__(self, "slot_table", tuple(slots))
        object.__setattr__(self, "item_order", _item_order(self.key_format))
        object.__setattr__(self, "record_size", record_size)
        object.__setattr__(self, "records_per_page", records_per_page)
        object.__setattr__(self, "entry_size", entry_size)
        object.__setattr__(self, "max_keys", max_keys)

    @property
    def n(self) -> int:
        """B-tree order of the original's description: pages hold n..2n keys, the root 1..2n."""
        return self.max_keys // 2

    def record_offset(self, slot: int) -> int:
        """Byte offset in its DB page of the record in ``slot`` (0-based)."""
        return DB_HEADER_SIZE + self.record_size * slot

    def db_offset(self, slot: int) -> int:
        """The index entry's db_offset (4-byte words from the page start) of a record slot."""
        return (DB_HEADER_SIZE + self.record_size * slot) // 4

    def slot_of(self, db_offset: int) -> int | None:
        """The record slot a db_offset designates, None when it designates no record slot."""
        slot = self.slot_table[db_offset] if db_offset < len(self.slot_table) else NO_SLOT
        return None if slot == NO_SLOT else slot

    def check_key(self, key: tuple[Any, ...]) -> None:
        """ValueError unless every byte-string field of ``key`` has its exact size.

        (struct pads or cuts a byte string silently: a key stored that way would not be the key
        the tree was searched with, and the tree's order would break.)
        """
        for index, size in self.byte_fields:
            if len(key[index]) != size:
                raise ValueError(f"key field {index} must be {size} bytes: {key!r}")


def _first_as_tuple(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[:1]


def _item_order(key_format: str) -> Callable[[tuple[Any, ...]], Any]:
    """A sort key for (key, vol, packs) items: bytes compare faster than tuples of numbers.

    (Unsigned big-endian numbers and fixed-size byte strings sort as the tuple does; a key that
    cannot be packed raises struct.error before anything is stored.)
    """
    if not UNSIGNED_FIELDS.fullmatch(key_format[1:]):
        return itemgetter(0)
    pack = struct.Struct(">" + key_format[1:]).pack

    def order(item: tuple[Any, ...]) -> bytes:
        return pack(*item[0])

    return order
