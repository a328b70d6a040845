"""The index (.idx): a B-tree whose root is page 1, split the way the original describes."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import NO_CHILD, Layout
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import IndexPage, Key, relevel_index_page

MAX_DEPTH = 32  # 170-way pages: more levels than any file can hold; deeper means a damaged file
ROOT = 1
Path = list[tuple[IndexPage, int]]  # (page, position of the key searched for) from the root down
Entry = tuple[Key, int, int]  # key, db_page, db_offset


def _child(page: IndexPage, position: int) -> int:
    """The child left of keys[position] (0 when there is none: leaf, or the original's gap)."""
    children = page.children
    if children is None:
        return 0
    child = children[position]
    return 0 if child == NO_CHILD else child


class BTree:
    """Search, insertion and range scans over one index file."""

    def __init__(self, pages: PageFile[IndexPage], layout: Layout) -> None:
        self.pages = pages
        self.layout = layout

    def create(self) -> None:
        """Start an empty index: a root leaf on page 1."""
        self.pages.append(lambda number: IndexPage.empty(number, 0))

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
            keys = page.keys
            position = bisect_left(keys, key)
            if position < len(keys) and keys[position] == key:
                return page.db_pages[position], page.db_offsets[position]
            child = _child(page, position)
            if not child:
                return None
            page = get(child)
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
                return (page.db_pages[position], page.db_offsets[position]), path
            children = page.children
            if children is None:
                return None, path
            child = children[position]
            if not child or child == NO_CHILD:
                raise CorruptError(
                    f"{self.pages.name} page {page.number}: inner page without a child"
                    " — run `ntc-tui db check --repair`"
                )
            page = get(child)
        raise self._too_deep()

    @staticmethod
    def bound(path: Path) -> Key | None:
        """The least key above the subtree at the end of ``path`` (None: no key above it)."""
        for page, position in reversed(path[:-1]):
            if position < len(page.keys):
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
            page.keys.insert(position, key)
            page.db_pages.insert(position, db_page)
            page.db_offsets.insert(position, db_offset)
            if page.children is not None:
                page.children.insert(position + 1, right)
            stage(page.number, page)
            if len(page.keys) <= max_keys:
                return
            if depth == 0:
                self._split_root(page)
                return
            (key, db_page, db_offset), right = self._split(page)

    def _halves(self, page: IndexPage, level: int, start: int, end: int) -> IndexPage:
        """A new page of ``level`` holding keys start..end-1 of ``page`` (and their children)."""
        children = page.children
        return self.pages.append(
            lambda number: IndexPage(
                number,
                level,
                0,
                page.keys[start:end],
                page.db_pages[start:end],
                page.db_offsets[start:end],
                None if children is None else children[start : end + 1],
            )
        )

    def _split(self, page: IndexPage) -> tuple[Entry, int]:
        """2n+1 keys: the first n stay, the last n go to a new page, the median goes up."""
        n = self.layout.n
        new = self._halves(page, page.level, n + 1, 2 * n + 1)
        median = (page.keys[n], page.db_pages[n], page.db_offsets[n])
        del page.keys[n:], page.db_pages[n:], page.db_offsets[n:]
        if page.children is not None:
            del page.children[n + 1 :]
        return median, new.number

    def _split_root(self, root: IndexPage) -> None:
        """The root stays page 1 with the median alone; both halves go one level down."""
        n = self.layout.n
        below = self.pages.count
        left = self._halves(root, 1, 0, n)
        right = self._halves(root, 1, n + 1, 2 * n + 1)
        root.keys = [root.keys[n]]
        root.db_pages = [root.db_pages[n]]
        root.db_offsets = [root.db_offsets[n]]
        root.children = [left.number, right.number]
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

    def scan(self, lo: Key | None = None, hi: Key | None = None) -> Iterator[Entry]:
        """Entries with lo <= key < hi in key order (CorruptError if keys come out of order)."""
        get = self.pages.get
        stack: list[list[object]] = []
        page = get(ROOT)
        while True:
            position = 0 if lo is None else bisect_left(page.keys, lo)
            stack.append([page, position])
            child = _child(page, position)
            if not child:
                break
            if len(stack) > MAX_DEPTH:
                raise self._too_deep()
            page = get(child)
        previous: Key | None = None
        while stack:
            frame = stack[-1]
            page, position = frame  # type: ignore[assignment]
            assert isinstance(position, int)
            if position >= len(page.keys):
                stack.pop()
                continue
            key = page.keys[position]
            if hi is not None and key >= hi:
                return
            if previous is not None and key <= previous:
                raise CorruptError(
                    f"{self.pages.name} page {page.number}: keys out of order"
                    " — run `ntc-tui db check`"
                )
            previous = key
            yield key, page.db_pages[position], page.db_offsets[position]
            frame[1] = position + 1
            child = _child(page, position + 1)
            while child:
                if len(stack) > MAX_DEPTH:
                    raise self._too_deep()
                page = get(child)
                stack.append([page, 0])
                child = _child(page, 0)

    def last(self) -> Key | None:
        """The greatest key, None for an empty tree."""
        page = self.pages.get(ROOT)
        best: Key | None = None
        for _ in range(MAX_DEPTH):
            if page.keys:
                best = page.keys[-1]
            child = _child(page, len(page.keys))
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
            child = _child(page, 0)
            if not child:
                return depth
            page = self.pages.get(child)
        raise self._too_deep()
