"""The index (.idx): a B-tree whose root is page 1, split the way the original describes."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import NO_CHILD, Layout
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import IndexPage, Key, relevel_index_page

MAX_DEPTH = 32  # 170-way pages: more levels than any file can hold; deeper means a damaged file
ROOT = 1
Path = list[tuple[IndexPage, int]]  # (page, position of the key searched for) from the root down
Entry = tuple[Key, int, int]  # key, db_page, db_offset
Run = list[tuple[Any, ...]]  # consecutive index entries: (key fields..., child, db_page, db_offset)


def _lenient_child(page: IndexPage, position: int) -> int:
    """The child left of keys[position], 0 when there is none (leaf, or the original's gap)."""
    child = page.child(position)
    return 0 if child == NO_CHILD else child


class BTree:
    """Search, insertion and range scans over one index file."""

    def __init__(self, pages: PageFile[IndexPage], layout: Layout) -> None:
        self.pages = pages
        self.layout = layout

    def create(self) -> None:
        """Start an empty index: a root leaf on page 1."""
        self.pages.append(lambda number: IndexPage.build(number, self.layout, 0, NO_CHILD, keys=[]))

    def flush_header(self) -> None:
        """Keep the root's page_count equal to the number of pages."""
        if self.pages.count == 0:
            return
        root = self.pages.get(ROOT)
        if root.page_count != self.pages.count:
            root.page_count = self.pages.count
            self.pages.stage(ROOT, root)

    # --- search --------------------------------------------------------------------------------

    def find(self, key: Key) -> tuple[int, int] | None:
        """(db_page, db_offset) of ``key``, None if absent."""
        get = self.pages.get
        page = get(ROOT)
        for _ in range(MAX_DEPTH):
            position = page.search(key)
            if position < page.count and page.key_at(position) == key:
                return page.pointer(position)
            if page.is_leaf:
                return None
            page = get(self._child(page, position))
        raise self._too_deep()

    def locate(self, key: Key) -> tuple[tuple[int, int] | None, Path]:
        """The record pointer of ``key`` if present, and the path from the root to its place."""
        get = self.pages.get
        page = get(ROOT)
        path: Path = []
        for _ in range(MAX_DEPTH):
            keys = page.keys
            position = bisect_left(keys, key)
            path.append((page, position))
            if position < len(keys) and keys[position] == key:
                return page.pointer(position), path
            if page.is_leaf:
                return None, path
            page = get(self._child(page, position))
        raise self._too_deep()

    def _child(self, page: IndexPage, position: int) -> int:
        """The child left of keys[position] of an inner page (CorruptError if it has none)."""
        child = page.child(position)
        if not 1 < child <= self.pages.count:
            raise CorruptError(
                f"{self.pages.name} page {page.number}: inner page without a child"
                f" (pointer {child}) — run `ntc-tui db check --repair`"
            )
        return child

    @staticmethod
    def bound(path: Path) -> Key | None:
        """The least key above the subtree at the end of ``path`` (None: no key above it)."""
        for page, position in reversed(path[:-1]):
            if position < page.count:
                return page.keys[position]
        return None

    def _too_deep(self) -> CorruptError:
        return CorruptError(
            f"{self.pages.name}: the tree is deeper than {MAX_DEPTH} levels (a cycle of pages?)"
            " — run `ntc-tui db check`"
        )

    # --- insertion -----------------------------------------------------------------------------

    def insert(self, path: Path, key: Key, db_page: int, db_offset: int) -> None:
        """Insert a new key at the leaf position ``locate`` found; full pages split upwards."""
        right = NO_CHILD
        max_keys = self.layout.max_keys
        stage = self.pages.stage
        for depth in range(len(path) - 1, -1, -1):
            page, position = path[depth]
            stage(page.number, page)
            entry = page.pack_entry(key, right, db_page, db_offset)
            if page.count < max_keys:
                page.insert(position, key, entry)
                return
            if depth == 0:
                self._split_root(page, position, key, entry)
                return
            (key, db_page, db_offset), right = self._split(page, position, key, entry)

    def _halves(
        self, page: IndexPage, position: int, key: Key, entry: bytes
    ) -> tuple[bytes, Entry, int, bytes, list[Key] | None]:
        """The 2n+1 entries with ``entry`` inserted: first n, median, its child, last n, keys."""
        n = self.layout.n
        size = self.layout.entry_size
        body, keys = page.overflow(position, key, entry)
        *median_key, child, db_page, db_offset = self.layout.entry.unpack_from(body, size * n)
        median = (tuple(median_key), db_page, db_offset)
        return body[: size * n], median, child, body[size * (n + 1) :], keys

    def _split(self, page: IndexPage, position: int, key: Key, entry: bytes) -> tuple[Entry, int]:
        """2n+1 keys: the first n stay, the last n go to a new page, the median goes up."""
        n = self.layout.n
        first, median, child, last, keys = self._halves(page, position, key, entry)
        level = page.level
        new = self.pages.append(
            lambda number: IndexPage.build(
                number, self.layout, level, child, last, None if keys is None else keys[n + 1 :]
            )
        )
        page.replace(page.child(0), first, None if keys is None else keys[:n])
        return median, new.number

    def _split_root(self, root: IndexPage, position: int, key: Key, entry: bytes) -> None:
        """The root stays page 1 with the median alone; both halves go one level down."""
        n = self.layout.n
        below = self.pages.count
        first, median, child, last, keys = self._halves(root, position, key, entry)
        layout = self.layout
        offset_0 = root.child(0)
        left = self.pages.append(
            lambda number: IndexPage.build(
                number, layout, 1, offset_0, first, None if keys is None else keys[:n]
            )
        )
        right = self.pages.append(
            lambda number: IndexPage.build(
                number, layout, 1, child, last, None if keys is None else keys[n + 1 :]
            )
        )
        median_key, db_page, db_offset = median
        root.replace(
            left.number,
            root.pack_entry(median_key, right.number, db_page, db_offset),
            [median_key],
        )
        self.pages.stage(ROOT, root)
        for number in range(2, below + 1):  # levels count from the root: all others go down one
            self._relevel(number)

    def _relevel(self, number: int) -> None:
        page = self.pages.staged.get(number) or self.pages.cache.get((self.pages.id, number))
        if page is not None:
            page.level += 1
            self.pages.stage(number, page)
        else:
            where = f"{self.pages.name} page {number}"
            self.pages.stage_raw(number, relevel_index_page(self.pages.read_raw(number), where))

    # --- reading in order ----------------------------------------------------------------------

    def runs(self, lo: Key | None = None, hi: Key | None = None) -> Iterator[Run]:
        """Entries with lo <= key < hi in key order: a leaf's worth, or one inner entry, at a time.

        CorruptError if an inner page lacks a child or keys come out of order between runs.
        """
        key_of = self.layout.key_of
        stack: Path = []  # the inner pages above ``page``, each with the position of its next key
        root = self.pages.get(ROOT)
        page, position = self._descend(stack, root, 0 if lo is None else root.search(lo), lo)
        run = page.entries(position)
        previous: Key | None = None
        while True:
            if run:
                if previous is not None and key_of(run[0]) <= previous:
                    raise CorruptError(
                        f"{self.pages.name} page {page.number}: keys out of order"
                        " — run `ntc-tui db check`"
                    )
                previous = key_of(run[-1])
                if hi is not None and previous >= hi:
                    cut = bisect_left(run, hi, key=key_of)
                    if cut:
                        yield run[:cut]
                    return
                yield run
            if page.is_leaf:
                while stack:
                    page, position = stack.pop()
                    if position < page.count:
                        break
                else:
                    return
                run = [page.entry(position)]
                position += 1
            else:
                page, position = self._descend(stack, page, position, None)
                run = page.entries()

    def _descend(
        self, stack: Path, page: IndexPage, position: int, lo: Key | None
    ) -> tuple[IndexPage, int]:
        """From ``position`` of ``page`` down to a leaf (the first key >= lo on each page below),
        pushing each inner page passed with its position."""
        get = self.pages.get
        while not page.is_leaf:
            if len(stack) >= MAX_DEPTH:
                raise self._too_deep()
            stack.append((page, position))
            page = get(self._child(page, position))
            position = 0 if lo is None else page.search(lo)
        return page, position

    def last(self) -> Key | None:
        """The greatest key, None for an empty tree (follows the original's gaps leniently)."""
        page = self.pages.get(ROOT)
        best: Key | None = None
        for _ in range(MAX_DEPTH):
            count = page.count
            if count:
                best = page.key_at(count - 1)
            child = _lenient_child(page, count)
            if not child:
                return best
            page = self.pages.get(child)
        raise self._too_deep()

    def height(self) -> int:
        """Levels from the root to the leftmost leaf (0 for a table without an index)."""
        if self.pages.count == 0:
            return 0
        page = self.pages.get(ROOT)
        for depth in range(1, MAX_DEPTH + 1):
            child = _lenient_child(page, 0)
            if not child:
                return depth
            page = self.pages.get(child)
        raise self._too_deep()
