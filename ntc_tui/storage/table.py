"""A table: records file + B-tree index of one stem, parameterised by a record layout."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ntc_tui.storage.btree import ROOT, BTree
from ntc_tui.storage.errors import CorruptError, StorageError
from ntc_tui.storage.layout import NO_CHILD, PAGE_SIZE, Layout
from ntc_tui.storage.legacy import LegacyRecords
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import DbPage, IndexPage, Key, is_legacy
from ntc_tui.storage.recordfile import Record, RecordFile, RecordPages

Item = tuple[Key, int, int]  # key, vol, packs


@dataclass(frozen=True)
class TableStats:
    """Sizes and contents of one table, for `ntc-tui db info`."""

    stem: str
    db_bytes: int
    idx_bytes: int
    db_pages: int
    idx_pages: int
    records: int
    height: int
    first_key: Key | None
    last_key: Key | None


class Table:
    """``<stem>.db`` + ``<stem>.idx``: upsert adds to a key's counters or appends and indexes it.

    A table whose index was written by the original (no checksums: it loses keys) is read from
    its records file, the truth, in key order; a writer refuses it until it is repaired.
    """

    def __init__(
        self,
        stem: str,
        layout: Layout,
        db: PageFile[DbPage],
        idx: PageFile[IndexPage],
        *,
        writable: bool,
    ) -> None:
        self.stem = stem
        self.layout = layout
        self.writable = writable
        if (db.count == 0) != (idx.count == 0):
            missing = db if db.count == 0 else idx
            present = idx if db.count == 0 else db
            raise CorruptError(
                f"{missing.name} is missing or empty while {present.name} holds data"
                " — run `ntc-tui db check --repair` to rebuild the index from the records"
            )
        self.records = RecordFile(db, layout)
        self.tree = BTree(idx, layout)
        legacy_index = bool(idx.count) and is_legacy(idx.read_raw(ROOT), index=True)
        if idx.count and not legacy_index and is_legacy(db.read_raw(ROOT), index=False):
            raise CorruptError(
                f"{db.name} page 1: no checksum while {idx.name} has them (damaged page)"
                " — run `ntc-tui db check --repair`"
            )
        # an index written by the original loses keys: read its records file instead
        self.legacy = LegacyRecords(self.records) if legacy_index else None
        if writable and idx.count:
            self._check_writable()

    def _check_writable(self) -> None:
        """A writer only extends files of its own format whose headers agree with their sizes."""
        idx = self.tree.pages
        db = self.records.pages
        for page_file, index in ((idx, True), (db, False)):
            if is_legacy(page_file.read_raw(ROOT), index):
                raise CorruptError(
                    f"{page_file.name} page 1 has no checksum: written by the original ntc (its"
                    " index is unreliable) or damaged — run `ntc-tui db check --repair` once"
                    " before adding to it"
                )
        self.records.check_header()
        root = idx.get(ROOT)
        if root.level != 0 or root.page_count != idx.count:
            raise CorruptError(
                f"{idx.name} page 1: level {root.level}, page_count {root.page_count} disagree"
                f" with the file's {idx.count} pages — run `ntc-tui db check --repair`"
            )

    @property
    def exists(self) -> bool:
        return self.records.page_max > 0

    # --- writing -------------------------------------------------------------------------------

    def upsert(self, key: Key, vol: int, packs: int) -> None:
        """Add vol and packs to ``key``'s record, or append a record and index it."""
        self.upsert_many(((key, vol, packs),))

    def upsert_many(self, items: Iterable[Item]) -> None:
        """``upsert`` each item, in key order: consecutive keys of one leaf need no new descent,
        and the new keys of a leaf are appended and indexed together.

        ValueError (bad counters or key) or StorageError may come after part of the items is
        staged: the caller then rolls the batch back (``DataDir.rollback``).
        """
        if not self.writable:
            raise StorageError(f"{self.stem}: the data directory is open for reading only")
        batch = sorted(items, key=self.layout.item_order)
        if not batch:
            return
        if not self.exists:
            self.create()
        tree = self.tree
        add = self.records.add
        check_key = self.layout.check_key if self.layout.byte_fields else None
        max_keys = self.layout.max_keys
        leaf: IndexPage | None = None
        keys: list[Key] = []  # the keys of ``leaf`` (without the pending ones)
        bound: Key | None = None  # keys below it (and above the previous) belong to ``leaf``
        path: list[tuple[IndexPage, int]] = []
        new: list[Item] = []  # new keys of ``leaf``, in order, not yet in it (with their counters)
        places: list[int] = []  # the position in ``keys`` of each
        position = 0  # of the last key in ``keys``: the next one (of a sorted batch) is not before
        for item in batch:
            key, vol, packs = item
            if vol < 0 or packs < 0:
                raise ValueError(f"counters only grow: vol {vol}, packs {packs}")
            if leaf is not None and (bound is None or key < bound):
                position = bisect_left(keys, key, position)
                if position < len(keys) and keys[position] == key:
                    add(key, *leaf.pointer(position), vol, packs)
                    continue
                if new and new[-1][0] == key:  # a new key met again in this batch
                    _, old_vol, old_packs = new[-1]
                    new[-1] = (key, old_vol + vol, old_packs + packs)
                    continue
            else:
                if new:
                    self._index_new(leaf, places, new)
                found, path = tree.locate(key)
                page, position = path[-1]
                leaf = page if page.is_leaf else None
                if leaf is not None:
                    keys, bound = leaf.keys, tree.bound(path)
                if found is not None:
                    add(key, *found, vol, packs)
                    continue
                assert leaf is not None
            if check_key is not None:
                check_key(key)
            if len(keys) + len(new) < max_keys:
                new.append(item)
                places.append(position)
                continue
            if new:  # the leaf is full: it splits, its new keys go in first
                self._index_new(leaf, places, new)
                position = bisect_left(keys, key)
            db_page, db_offset = self.records.append(key, vol, packs)
            path[-1] = (leaf, position)
            tree.insert(path, key, db_page, db_offset)
            leaf = None
        if new:
            self._index_new(leaf, places, new)

    def _index_new(self, leaf: IndexPage | None, places: list[int], new: list[Item]) -> None:
        """Append the records of new keys of ``leaf`` and insert their entries at ``places``."""
        assert leaf is not None
        pointers = self.records.append_many(new)
        pack = self.layout.entry.pack
        keys = [key for key, _, _ in new]
        leaf.insert_many(
            places,
            keys,
            [
                pack(*key, NO_CHILD, db_page, db_offset)
                for key, (db_page, db_offset) in zip(keys, pointers, strict=True)
            ],
        )
        self.tree.pages.stage(leaf.number, leaf)
        new.clear()
        places.clear()

    def create(self) -> None:
        """Start both files empty (first page of each)."""
        self.records.create()
        self.tree.create()

    def flush_headers(self) -> None:
        """Bring the page-1 counters of both files up to date before a commit."""
        self.records.flush_header()
        self.tree.flush_header()

    def reload(self) -> None:
        """Re-read the counters after a rollback."""
        self.records.load_header()

    # --- reading -------------------------------------------------------------------------------

    def get(self, key: Key) -> tuple[int, int] | None:
        """(vol, packs) of ``key``, None if it has no record."""
        if not self.exists:
            return None
        if self.legacy is not None:
            return self.legacy.get(key)
        found = self.tree.find(key)
        return None if found is None else self.records.value(key, *found)

    def scan_records(self, lo: Key | None = None, hi: Key | None = None) -> Iterator[list[Record]]:
        """Records (key fields..., vol, packs) with lo <= key < hi in key order, a list at a time.

        The index is followed a leaf at a time; each entry must point at its key's record.
        """
        if not self.exists:
            return
        if self.legacy is not None:
            yield self.legacy.scan(lo, hi)
            return
        pages = RecordPages(self.records)
        slots = self.layout.slot_table
        fields = self.layout.key_fields
        db_page, db_offset = fields + 1, fields + 2  # where an entry holds its record pointer
        for run in self.tree.runs(lo, hi):
            try:
                found = [pages[entry[db_page]][slots[entry[db_offset]]] for entry in run]
            except IndexError:
                raise self._bad_pointer(run, pages, slots) from None
            if [row[:fields] for row in found] != [entry[:fields] for entry in run]:
                raise self._bad_pointer(run, pages, slots)
            yield found

    def _bad_pointer(
        self, run: list[tuple[Any, ...]], pages: RecordPages, slots: tuple[int, ...]
    ) -> CorruptError:
        """The error of the first entry of ``run`` that points at no record, or another's."""
        key_of = self.layout.key_of
        for entry in run:
            rows = pages[entry[-2]]
            slot = slots[entry[-1]] if entry[-1] < len(slots) else len(rows)
            if slot >= len(rows) or key_of(rows[slot]) != key_of(entry):
                return self.records.pointer_error(
                    entry[-2], entry[-1], another_key=slot < len(rows)
                )
        return CorruptError(f"{self.records.pages.name}: index and records disagree")

    def scan(self, lo: Key | None = None, hi: Key | None = None) -> Iterator[Item]:
        """(key, vol, packs) with lo <= key < hi, in key order, by a range scan of the tree."""
        key_of = self.layout.key_of
        for records in self.scan_records(lo, hi):
            for record in records:
                yield key_of(record), record[-2], record[-1]

    def record_count(self) -> int:
        return self.records.records

    def height(self) -> int:
        return self.tree.height() if self.exists else 0

    def stats(self) -> TableStats:
        """Sizes, counts, height and key range."""
        first: Key | None = None
        last: Key | None = None
        if self.legacy is not None:
            rows = self.legacy.rows()
            if rows:
                first, last = self.layout.key_of(rows[0]), self.layout.key_of(rows[-1])
        elif self.exists:
            first = next((self.layout.key_of(run[0]) for run in self.tree.runs()), None)
            last = self.tree.last()
        db_pages = self.records.pages.count
        idx_pages = self.tree.pages.count
        return TableStats(
            self.stem,
            db_pages * PAGE_SIZE,
            idx_pages * PAGE_SIZE,
            db_pages,
            idx_pages,
            self.record_count(),
            self.height(),
            first,
            last,
        )
