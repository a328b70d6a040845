"""Record layouts: the key format of a table and the page geometry that follows from it."""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Layout:
    """A table's key format (little-endian struct format) and the page geometry derived from it."""

    key_format: str
    key: struct.Struct = field(init=False, repr=False, compare=False)
    record: struct.Struct = field(init=False, repr=False, compare=False)
    key_fields: int = field(init=False, repr=False, compare=False)
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
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "record", struct.Struct(self.key_format + VALUE_FORMAT[1:]))
        object.__setattr__(self, "key_fields", len(key.unpack(bytes(key.size))))
        object.__setattr__(self, "record_size", record_size)
        object.__setattr__(
            self, "records_per_page", (DB_TRAILER_OFFSET - DB_HEADER_SIZE) // record_size
        )
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
        start = db_offset * 4 - DB_HEADER_SIZE
        if start < 0 or start % self.record_size:
            return None
        slot = start // self.record_size
        return slot if slot < self.records_per_page else None

    def entries(self, count: int) -> struct.Struct:
        """The struct of ``count`` consecutive index entries."""
        return _entries_struct(self.key_format, count)


@functools.lru_cache(maxsize=4096)
def _entries_struct(key_format: str, count: int) -> struct.Struct:
    return struct.Struct("<" + (key_format[1:] + POINTER_FORMAT[1:]) * count)
