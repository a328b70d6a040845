"""Record layouts: the key format of a table and the page geometry that follows from it."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PAGE_SIZE = 8192
DB_HEADER_SIZE = 20
DB_TRAILER_OFFSET = 8180  # bytes 8180-8191 of a DB page: this project's page trailer
IDX_HEADER_SIZE = 32
VALUE_FORMAT = "<qI"  # vol i64, packs u32: the value of every record
POINTER_FORMAT = "<III"  # child page, db_page, db_offset: what follows the key in an index entry


@dataclass(frozen=True)
class Layout:
    """A table's key format (little-endian struct format) and the page geometry derived from it."""

    key_format: str
    key: struct.Struct = field(init=False, repr=False, compare=False)
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
        object.__setattr__(self, "key", key)
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
