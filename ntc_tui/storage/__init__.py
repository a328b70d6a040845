"""Storage engine: page files with B-tree indexes, journalled atomic batches (see FORMAT.md)."""

from ntc_tui.storage.datadir import DataDir
from ntc_tui.storage.errors import CorruptError, LockedError, StorageError, StorageFullError
from ntc_tui.storage.fileops import FileOps
from ntc_tui.storage.layout import Layout
from ntc_tui.storage.table import Table, TableStats

__all__ = [
    "CorruptError",
    "DataDir",
    "FileOps",
    "Layout",
    "LockedError",
    "StorageError",
    "StorageFullError",
    "Table",
    "TableStats",
]
