"""A data directory: its tables, the one-writer lock, readers' snapshots, atomic batches."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shlex
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from ntc_tui.storage.errors import CorruptError, LockedError, StorageError, StorageFullError
from ntc_tui.storage.fileops import FileOps, Handle
from ntc_tui.storage.journal import (
    JOURNAL_NAME,
    JOURNAL_TMP_NAME,
    Journal,
    apply_journal,
    read_journal,
    write_journal,
)
from ntc_tui.storage.layout import PAGE_SIZE, Layout
from ntc_tui.storage.pager import DEFAULT_CACHE_PAGES, PageCache, PageFile
from ntc_tui.storage.pages import (
    decode_db_page,
    decode_index_page,
    encode_db_page,
    encode_index_page,
    is_legacy,
)
from ntc_tui.storage.table import Table

LOCK_NAME = "ntc-tui.lock"
REPAIR_SUFFIX = ".repair"  # files a repair builds before renaming them into place
TABLE_SUFFIXES = (".db", ".idx")
STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
UNAPPLIED_LIMIT = 64 << 20  # committed bytes kept for readers before the writer waits for them


def storage_error(path: Path, error: OSError) -> StorageError:
    """An OSError of a batch as the storage error a caller acts on."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(f"{path}: disk full, nothing of the batch was written")
    return StorageError(f"{path}: cannot write ({error.strerror or error}); nothing was written")


def unusable_error(path: Path, error: OSError) -> StorageError:
    """An OSError met opening or reading the data directory as one sentence saying what to do."""
    if error.errno in (errno.EACCES, errno.EPERM):
        where = error.filename or path
        return StorageError(
            f"{where}: permission denied; run as a user who may read the data directory"
            " (e.g. root) or choose another one with --db-dir"
        )
    if error.errno == errno.ENOTDIR:
        return StorageError(f"{path} is not a directory; give the data directory")
    return StorageError(f"{path}: cannot read the data directory ({error.strerror or error})")


def table_stems(names: list[str]) -> set[str]:
    """Stems of the table files among directory entries."""
    return {
        name[: -len(suffix)] for name in names for suffix in TABLE_SUFFIXES if name.endswith(suffix)
    }


class DataDir:
    """One data directory opened by its one writer, or by a reader that sees committed batches."""

    def __init__(
        self, path: Path, fileops: FileOps, *, writer: bool, cache_pages: int, unapplied_limit: int
    ) -> None:
        self.path = path
        self.unapplied_limit = unapplied_limit
        self.fileops = fileops
        self.writer = writer
        self.discarded_journal: str | None = None  # why a damaged journal was thrown away
        self._cache = PageCache(cache_pages)
        self._tables: dict[str, Table] = {}
        self._files: dict[str, PageFile[Any]] = {}
        self._overlay = Journal()  # a reader's view of a crashed writer's committed batch
        self._drops: set[str] = set()
        self._broken: str | None = None
        self._dir: Handle | None = None
        self._lock: Handle | None = None

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        writer: bool,
        create: bool = False,
        fileops: FileOps | None = None,
        cache_pages: int = DEFAULT_CACHE_PAGES,
        unapplied_limit: int = UNAPPLIED_LIMIT,
        discard_damaged_journal: bool = False,
    ) -> DataDir:
        """Open as the writer (exclusive, recovers a crashed batch) or as a reader (a snapshot).

        A writer keeps up to ``unapplied_limit`` bytes of committed pages in its journal while
        readers hold snapshots; beyond that, its next commit waits for them to close.
        """
        fileops = fileops or FileOps()
        datadir = cls(
            path,
            fileops,
            writer=writer,
            cache_pages=cache_pages,
            unapplied_limit=unapplied_limit,
        )
        try:
            if not fileops.exists(path):
                if not (writer and create):
                    raise StorageError(f"{path}: no such data directory")
                _make_directory(fileops, path)
            datadir._dir = fileops.open_dir(path)
            if writer:
                datadir._take_writer_lock()
                datadir._recover(discard_damaged_journal)
            else:
                fileops.flock(datadir._dir, exclusive=False, blocking=True)
                datadir._overlay = datadir._read_journal(discard_damaged_journal) or Journal()
        except OSError as error:
            datadir._release()
            raise unusable_error(path, error) from None
        except BaseException:
            datadir._release()
            raise
        return datadir

    def __enter__(self) -> DataDir:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Forget uncommitted changes, finish writing committed ones if possible, release locks."""
        if self.writer and self._dir is not None and self._broken is None:
            self.rollback()
            with contextlib.suppress(OSError):
                self._apply(blocking=False)
        self._release()

    def _release(self) -> None:
        for page_file in self._files.values():
            page_file.close()
        self._files.clear()
        self._tables.clear()
        for handle in (self._dir, self._lock):
            if handle is not None:
                self.fileops.close(handle)  # closing releases the flock
        self._dir = self._lock = None

    # --- opening -------------------------------------------------------------------------------

    def _take_writer_lock(self) -> None:
        lock = self.fileops.open(self.path / LOCK_NAME, write=True, create=True)
        if not self.fileops.flock(lock, exclusive=True, blocking=False):
            holder = self.fileops.pread(lock, 4096, 0).decode(errors="replace").strip()
            self.fileops.close(lock)
            raise LockedError(
                f"{self.path} is locked by another writer ({holder or 'a process just starting'})"
            )
        self._lock = lock
        command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "?"
        self.fileops.truncate(lock, 0)
        self.fileops.pwrite(lock, f"pid {os.getpid()}: {command}\n".encode(), 0)

    def _recover(self, discard_damaged_journal: bool) -> None:
        """Finish the batch a crashed writer committed; drop what it had not committed."""
        assert self._dir is not None
        self.fileops.unlink(self.path / JOURNAL_TMP_NAME)
        journal = self._read_journal(discard_damaged_journal)
        if self.discarded_journal is not None:
            self.fileops.unlink(self.path / JOURNAL_NAME)
        if journal is not None:
            self.fileops.flock(self._dir, exclusive=True, blocking=True)
            try:
                apply_journal(self.fileops, self.path, self._dir, journal)
            finally:
                self.fileops.unlock(self._dir)
        for name in self.fileops.listdir(self.path):
            if name.endswith(REPAIR_SUFFIX):
                self.fileops.unlink(self.path / name)

    def _read_journal(self, discard_damaged: bool) -> Journal | None:
        """The committed batch of a crashed writer; a damaged one refused (or ignored if asked)."""
        try:
            return read_journal(self.fileops, self.path)
        except CorruptError as error:
            if not discard_damaged:
                raise CorruptError(f"{error} — run `ntc-tui db check --repair`") from None
            self.discarded_journal = str(error)
            return None

    # --- tables --------------------------------------------------------------------------------

    def table(self, stem: str, layout: Layout) -> Table:
        """The table ``<stem>.db`` + ``<stem>.idx`` (a writer creates its files on first commit)."""
        self._check_usable()
        table = self._tables.get(stem)
        if table is not None:
            if table.layout != layout:
                raise ValueError(f"table {stem} is already open with {table.layout}")
            return table
        if not STEM.match(stem):
            raise ValueError(f"not a table name: {stem!r}")
        opened: list[PageFile[Any]] = []
        try:
            opened.append(self._page_file(f"{stem}.db", layout))
            opened.append(self._page_file(f"{stem}.idx", layout))
            table = Table(stem, layout, opened[0], opened[1], writable=self.writer)
        except BaseException as error:
            for page_file in opened:
                page_file.close()
                self._files.pop(page_file.name, None)
            if isinstance(error, OSError):
                raise unusable_error(self.path, error) from None
            raise
        self._tables[stem] = table
        return table

    def _page_file(self, name: str, layout: Layout) -> PageFile[Any]:
        page_file = self._typed_file(
            self.path / name, name, layout, self._source(name), self._overlay.pages.get(name)
        )
        self._files[name] = page_file
        return page_file

    def _source(self, name: str) -> Path | None:
        """The file that holds ``name``'s committed pages (a reader follows the overlay)."""
        if name in self._overlay.drops:
            return None
        for source, target in self._overlay.renames:
            if target == name and self.fileops.exists(self.path / source):
                return self.path / source
        path = self.path / name
        return path if self.fileops.exists(path) else None

    def has_overlay(self) -> bool:
        """Whether a reader sees a committed batch that is not yet written in place."""
        return not self._overlay.empty()

    def raw_file(self, name: str, cache_pages: int = 64) -> PageFile[bytes] | None:
        """Committed pages of one file as bytes (for the checker); None if there is no such file."""
        self._check_usable()
        source = self._source(name)
        if source is None and name not in self._overlay.pages:
            return None
        try:
            page_file: PageFile[bytes] = PageFile(
                self.fileops,
                self.path / name,
                PageCache(cache_pages),
                lambda raw, number: raw,
                bytes,
                source=source,
                writable=False,
            )
        except OSError as error:
            raise unusable_error(self.path, error) from None
        images = self._overlay.pages.get(name)
        if images:
            page_file.overlay(images)
        return page_file

    def stems(self) -> list[str]:
        """The tables present: files on disk (as a reader overlays them) and those of the batch."""
        self._check_usable()
        try:
            names = set(self.fileops.listdir(self.path)) - set(self._overlay.drops)
        except OSError as error:
            raise unusable_error(self.path, error) from None
        names |= {target for _, target in self._overlay.renames}
        names |= set(self._overlay.pages)
        stems = table_stems(sorted(names))
        stems |= {stem for stem, table in self._tables.items() if table.exists}
        return sorted(stems - self._drops)

    # --- batches -------------------------------------------------------------------------------

    def commit(self) -> None:
        """Apply every staged change of every table as one atomic, durable batch.

        On failure (StorageFullError, StorageError) nothing of the batch is on disk or in memory.
        """
        self._check_writer()
        for table in self._tables.values():
            table.flush_headers()
        dirty = [page_file for page_file in self._files.values() if page_file.dirty()]
        if not dirty and not self._drops:
            return
        try:
            if (
                sum(len(f.unapplied) for f in self._files.values()) * PAGE_SIZE
                > self.unapplied_limit
            ):
                self._apply(blocking=True)
            images = {page_file.name: page_file.encode_staged() for page_file in dirty}
            write_journal(self.fileops, self.path, self._journal(images))
        except OSError as error:
            self.rollback()
            raise storage_error(self.path, error) from None
        try:
            assert self._dir is not None
            self.fileops.fsync_dir(self._dir, "commit")
        except OSError as error:
            self._undo_commit()
            self.rollback()
            raise storage_error(self.path, error) from None
        for page_file in dirty:
            page_file.mark_committed(images[page_file.name])
        dropped, self._drops = self._drops, set()
        for stem in dropped:
            self._forget(stem)
        try:
            self._apply(blocking=bool(dropped), drops=dropped)
        except OSError as error:
            self._broken = f"{self.path}: a committed removal could not be completed ({error})"
            raise StorageError(f"{self._broken}; open the data directory again") from None

    def _journal(self, images: dict[str, dict[int, bytes]]) -> Journal:
        """The committed state not yet in place plus this batch: the journal to write."""
        journal = Journal(
            drops=[stem + suffix for stem in self._drops for suffix in TABLE_SUFFIXES]
        )
        for name, page_file in self._files.items():
            if name.rsplit(".", 1)[0] in self._drops:
                continue
            merged = {**page_file.unapplied, **images.get(name, {})}
            if merged:
                journal.pages[name] = merged
        return journal

    def _undo_commit(self) -> None:
        """The commit's durability is unknown: put back the journal of the previous state."""
        try:
            previous = Journal(
                pages={name: dict(f.unapplied) for name, f in self._files.items() if f.unapplied}
            )
            if previous.empty():
                self.fileops.unlink(self.path / JOURNAL_NAME)
            else:
                write_journal(self.fileops, self.path, previous)
            assert self._dir is not None
            self.fileops.fsync_dir(self._dir, "undo")
        except OSError as error:
            self._broken = f"{self.path}: the state of the last batch is unknown ({error})"

    def _apply(self, *, blocking: bool, drops: set[str] | None = None) -> None:
        """Write committed images in place once no reader holds a snapshot (or wait for them)."""
        pending = [page_file for page_file in self._files.values() if page_file.unapplied]
        if not pending and not drops:
            return
        assert self._dir is not None
        if not self.fileops.flock(self._dir, exclusive=True, blocking=blocking):
            return
        try:
            journal = Journal(
                drops=[stem + suffix for stem in sorted(drops or ()) for suffix in TABLE_SUFFIXES],
                pages={page_file.name: page_file.unapplied for page_file in pending},
            )
            apply_journal(self.fileops, self.path, self._dir, journal)
        except OSError:
            if blocking:
                raise
            return  # the journal stays; the next commit or the next writer finishes it
        finally:
            self.fileops.unlock(self._dir)
        for page_file in pending:
            page_file.applied()

    def rollback(self) -> None:
        """Drop every staged change."""
        for page_file in self._files.values():
            page_file.rollback()
        for table in self._tables.values():
            table.reload()
        self._drops.clear()

    def drop_table(self, stem: str) -> None:
        """Remove a table's two files, atomically, at once (with anything staged, as one batch)."""
        self._check_writer()
        if stem in self.stems():
            self._drops.add(stem)
        self.commit()

    def scratch_table(self, stem: str, layout: Layout) -> Table:
        """An empty table written straight to ``<stem>.db.repair`` and ``.idx.repair``."""
        self._check_writer()
        files = []
        for suffix in TABLE_SUFFIXES:
            path = self.path / f"{stem}{suffix}{REPAIR_SUFFIX}"
            self.fileops.unlink(path)
            files.append(self._typed_file(path, f"{stem}{suffix}", layout, None))
        return Table(stem, layout, files[0], files[1], writable=True)

    def _typed_file(
        self,
        path: Path,
        name: str,
        layout: Layout,
        source: Path | None,
        images: dict[int, bytes] | None = None,
    ) -> PageFile[Any]:
        """A page file that decodes DB or index pages of ``layout`` (by the name's suffix).

        Its pages must all be of the kind of its page 1: legacy (written by the original) or
        sealed with a checksum; a page of the other kind is damaged.
        """
        index = name.endswith(".idx")
        decode = decode_index_page if index else decode_db_page
        encode: Callable[[Any], bytes] = encode_index_page if index else encode_db_page
        page_file: PageFile[Any] = PageFile(
            self.fileops,
            path,
            self._cache,
            partial(_decode, decode, layout, name, False),
            encode,
            source=source,
            writable=self.writer,
        )
        if images:
            page_file.overlay(images)
        if page_file.count and is_legacy(page_file.read_raw(1), index):
            page_file.decode = partial(_decode, decode, layout, name, True)
        return page_file

    def replace_tables(self, stems: list[str]) -> None:
        """Atomically put every ``<stem>.*.repair`` file in place of its table file (one batch)."""
        self._check_writer()
        assert self._dir is not None
        renames = [
            (stem + suffix + REPAIR_SUFFIX, stem + suffix)
            for stem in stems
            for suffix in TABLE_SUFFIXES
        ]
        for stem in stems:
            self._forget(stem)
        try:
            write_journal(self.fileops, self.path, Journal(renames=renames))
            self.fileops.fsync_dir(self._dir, "commit")
            self.fileops.flock(self._dir, exclusive=True, blocking=True)
            try:
                apply_journal(self.fileops, self.path, self._dir, Journal(renames=renames))
            finally:
                self.fileops.unlock(self._dir)
        except OSError as error:
            raise storage_error(self.path, error) from None

    def _forget(self, stem: str) -> None:
        self._tables.pop(stem, None)
        for suffix in TABLE_SUFFIXES:
            page_file = self._files.pop(stem + suffix, None)
            if page_file is not None:
                page_file.close()

    def _check_usable(self) -> None:
        if self._dir is None:
            raise StorageError(f"{self.path}: the data directory is closed")
        if self._broken is not None:
            raise StorageError(f"{self._broken}; open the data directory again")

    def _check_writer(self) -> None:
        self._check_usable()
        if not self.writer:
            raise StorageError(f"{self.path}: the data directory is open for reading only")


def _decode(decode: Any, layout: Layout, name: str, legacy: bool, raw: bytes, number: int) -> Any:
    return decode(raw, number, layout, name, legacy)


def _make_directory(fileops: FileOps, path: Path) -> None:
    """mkdir -p with mode 0700, each new entry made durable in its parent."""
    missing = []
    while not fileops.exists(path):
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        fileops.mkdir(directory)
        parent = fileops.open_dir(directory.parent)
        try:
            fileops.fsync_dir(parent, "mkdir")
        finally:
            fileops.close(parent)
