"""A table: records file + B-tree index of one stem, parameterised by a record layout."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from ntc_tui.storage.btree import ROOT, BTree
from ntc_tui.storage.errors import CorruptError, StorageError
from ntc_tui.storage.layout import PAGE_SIZE, Layout
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import DbPage, IndexPage, Key, verify_index_page
from ntc_tui.storage.recordfile import RecordFile

Item = tuple[Key, int, int]  # key, vol, packs
_by_key = itemgetter(0)


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
    """``<stem>.db`` + ``<stem>.idx``: upsert adds to a key's counters or appends and indexes it."""

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
        if writable and idx.count:
            self._check_writable()

    def _check_writable(self) -> None:
        """A writer only extends files of its own format whose headers agree with their sizes."""
        idx = self.tree.pages
        name = idx.name
        if not verify_index_page(idx.read_raw(ROOT), f"{name} page 1"):
            raise CorruptError(
                f"{name} was written by the original ntc (its index is unreliable)"
                " — run `ntc-tui db check --repair` once before adding to it"
            )
        self.records.check_header()
        root = idx.get(ROOT)
        if root.level != 0 or root.page_count != idx.count:
            raise CorruptError(
                f"{name} page 1: level {root.level}, page_count {root.page_count} disagree with"
                f" the file's {idx.count} pages — run `ntc-tui db check --repair`"
            )

    @property
    def exists(self) -> bool:
        return self.records.page_max > 0

    # --- writing -------------------------------------------------------------------------------

    def upsert(self, key: Key, vol: int, packs: int) -> None:
        """Add vol and packs to ``key``'s record, or append a record and index it."""
        self.upsert_many(((key, vol, packs),))

    def upsert_many(self, items: Iterable[Item]) -> None:
        """``upsert`` each item, in key order: consecutive keys of one leaf need no new descent."""
        if not self.writable:
            raise StorageError(f"{self.stem}: the data directory is open for reading only")
        batch = sorted(items, key=_by_key)
        if not batch:
            return
        if not self.exists:
            self.create()
        tree = self.tree
        append = self.records.append
        add = self.records.add
        stage = tree.pages.stage
        max_keys = self.layout.max_keys
        leaf: IndexPage | None = None
        bound: Key | None = None  # keys below it (and above the previous) belong to ``leaf``
        path: list[tuple[IndexPage, int]] = []
        staged = False  # whether ``leaf`` is staged in this batch yet
        for key, vol, packs in batch:
            if vol < 0 or packs < 0:
                raise ValueError(f"counters only grow: vol {vol}, packs {packs}")
            if leaf is not None and (bound is None or key < bound):
                keys = leaf.keys
                position = bisect_left(keys, key)
                if position < len(keys) and keys[position] == key:
                    add(key, leaf.db_pages[position], leaf.db_offsets[position], vol, packs)
                    continue
            else:
                found, path = tree.locate(key)
                page, position = path[-1]
                leaf, bound = (page, tree.bound(path)) if page.children is None else (None, None)
                staged = False
                if found is not None:
                    add(key, found[0], found[1], vol, packs)
                    continue
                assert leaf is not None
            db_page, db_offset = append(key, vol, packs)
            if not staged:
                stage(leaf.number, leaf)
                staged = True
            if len(leaf.keys) < max_keys:
                leaf.keys.insert(position, key)
                leaf.db_pages.insert(position, db_page)
                leaf.db_offsets.insert(position, db_offset)
            else:
                path[-1] = (leaf, position)
                tree.insert(path, key, db_page, db_offset)
                leaf = None

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
        found = self.tree.find(key)
        return None if found is None else self.records.value(key, *found)

    def scan(self, lo: Key | None = None, hi: Key | None = None) -> Iterator[Item]:
        """(key, vol, packs) with lo <= key < hi, in key order, by a range scan of the tree."""
        if not self.exists:
            return
        value = self.records.value
        for key, db_page, db_offset in self.tree.scan(lo, hi):
            vol, packs = value(key, db_page, db_offset)
            yield key, vol, packs

    def record_count(self) -> int:
        return self.records.records

    def height(self) -> int:
        return self.tree.height() if self.exists else 0

    def stats(self) -> TableStats:
        """Sizes, counts, height and key range."""
        first = next(self.tree.scan(), None) if self.exists else None
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
            None if first is None else first[0],
            self.tree.last() if self.exists else None,
        )
