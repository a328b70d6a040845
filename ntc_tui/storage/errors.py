"""The storage engine's errors: corrupt files, a held writer lock, a full disk."""

from __future__ import annotations


class StorageError(Exception):
    """A storage operation failed; the message says which file and what to do."""


class CorruptError(StorageError):
    """A file of the data directory is damaged or not in the expected format (names file, page)."""


class LockedError(StorageError):
    """Another process holds the data directory's writer lock (the message names it)."""


class StorageFullError(StorageError):
    """The disk or quota is full: the batch was not applied and may be retried later."""
