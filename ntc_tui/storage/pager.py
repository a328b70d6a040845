"""Pages of one file: a bounded cache, the open batch's edits, committed images not yet in place."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.fileops import FileOps, Handle
from ntc_tui.storage.layout import PAGE_SIZE

P = TypeVar("P")
DEFAULT_CACHE_PAGES = 4096
_file_ids = itertools.count()


class PageCache:
    """Least-recently-used decoded pages of every file of a data directory, bounded in number."""

    def __init__(self, capacity: int = DEFAULT_CACHE_PAGES) -> None:
        self.capacity = max(capacity, 16)
        self._pages: OrderedDict[tuple[int, int], Any] = OrderedDict()

    def get(self, key: tuple[int, int]) -> Any:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[int, int], page: Any) -> None:
        self._pages[key] = page
        if len(self._pages) > self.capacity:
            self._pages.popitem(last=False)

    def discard(self, key: tuple[int, int]) -> None:
        self._pages.pop(key, None)


class PageFile(Generic[P]):
    """One .db or .idx file seen through the batch being built.

    A page is read from, in this order: the open batch's edits (``staged``, pinned in memory), the
    cache, committed after-images not yet written in place (``unapplied``, also the journal overlay
    of a reader), the file. Decoded pages are shared: edit one, then ``stage`` it.
    """

    def __init__(
        self,
        fileops: FileOps,
        path: Path,
        cache: PageCache,
        decode: Callable[[bytes, int], P],
        encode: Callable[[P], bytes],
        *,
        source: Path | None,
        writable: bool,
    ) -> None:
        """``path``: where the file lives; ``source``: what to read now (None: no file yet)."""
        self.fileops = fileops
        self.name = path.name
        self.path = path
        self.cache = cache
        self.decode = decode
        self.encode = encode
        self.writable = writable
        self.id = next(_file_ids)
        self.handle: Handle | None = None
        self.disk_bytes = 0
        if source is not None:
            self.handle = fileops.open(source, write=writable and source == path)
            self.disk_bytes = fileops.size(self.handle)
        self.disk_pages = self.disk_bytes // PAGE_SIZE
        self.unapplied: dict[int, bytes] = {}
        self.staged: dict[int, P] = {}
        self.staged_raw: dict[int, bytes] = {}
        self.committed = self.disk_pages
        self.count = self.disk_pages

    def overlay(self, images: dict[int, bytes]) -> None:
        """Committed after-images not yet in the file (the journal of a crashed writer)."""
        self.unapplied.update(images)
        self.committed = self.count = max(self.committed, *images)

    # --- reading -------------------------------------------------------------------------------

    def get(self, number: int) -> P:
        """The page ``number`` as the open batch sees it."""
        page = self.staged.get(number)
        if page is not None:
            return page
        key = (self.id, number)
        cached: P | None = self.cache.get(key)
        if cached is not None:
            return cached
        raw = self.staged_raw.pop(number, None)
        if raw is not None:
            page = self.decode(raw, number)
            self.staged[number] = page
        else:
            raw = self.read_raw(number)
            try:
                page = self.decode(raw, number)
            except CorruptError as error:
                raise CorruptError(f"{error} — run `ntc-tui db check --repair`") from None
        self.cache.put(key, page)
        return page

    def read_raw(self, number: int) -> bytes:
        """The committed bytes of a page (journal image or file), unchecked."""
        if not 1 <= number <= self.count:
            raise CorruptError(
                f"{self.name}: page {number} does not exist ({self.count} pages)"
                " — run `ntc-tui db check --repair`"
            )
        raw = self.staged_raw.get(number) or self.unapplied.get(number)
        if raw is not None:
            return raw
        if self.handle is not None and number <= self.disk_pages:
            raw = self.fileops.pread(self.handle, PAGE_SIZE, (number - 1) * PAGE_SIZE)
            if len(raw) == PAGE_SIZE:
                return raw
        raise CorruptError(
            f"{self.name} page {number}: beyond the end of the file"
            " — run `ntc-tui db check --repair`"
        )

    # --- the open batch ------------------------------------------------------------------------

    def stage(self, number: int, page: P) -> None:
        """Record an edited (or new) page in the open batch (it replaces any cached copy)."""
        self.staged[number] = page
        self.cache.put((self.id, number), page)

    def stage_raw(self, number: int, raw: bytes) -> None:
        """Record an edited page given as bytes (for edits of many pages not worth decoding)."""
        self.cache.discard((self.id, number))
        self.staged.pop(number, None)
        self.staged_raw[number] = raw

    def append(self, make: Callable[[int], P]) -> P:
        """A new page at the end of the file, made by ``make(number)``, staged."""
        self.count += 1
        page = make(self.count)
        self.staged[self.count] = page
        self.cache.put((self.id, self.count), page)
        return page

    def dirty(self) -> bool:
        return bool(self.staged or self.staged_raw)

    def encode_staged(self) -> dict[int, bytes]:
        """After-images of the pages the open batch changed."""
        images = {number: self.encode(page) for number, page in self.staged.items()}
        images.update(self.staged_raw)
        return images

    def mark_committed(self, images: dict[int, bytes]) -> None:
        """The open batch is durable (in the journal): its images await writing in place."""
        self.unapplied.update(images)
        self.staged.clear()
        self.staged_raw.clear()
        self.committed = self.count

    def rollback(self) -> None:
        """Forget the open batch: edited pages are read again from their committed images."""
        for number in self.staged:
            self.cache.discard((self.id, number))
        for number in range(self.committed + 1, self.count + 1):
            self.cache.discard((self.id, number))
        self.staged.clear()
        self.staged_raw.clear()
        self.count = self.committed

    # --- writing in place ----------------------------------------------------------------------

    def applied(self) -> None:
        """The unapplied images are now durable in the file itself."""
        if self.unapplied:
            self.disk_pages = max(self.disk_pages, *self.unapplied)
            self.unapplied.clear()
        if self.handle is None and self.disk_pages:
            self.handle = self.fileops.open(self.path, write=self.writable)

    def spill(self) -> None:
        """Write the staged pages straight into the file (scratch files a repair builds)."""
        if self.handle is None:
            self.handle = self.fileops.open(self.path, write=True, create=True)
        for number, image in sorted(self.encode_staged().items()):
            self.fileops.pwrite(self.handle, image, (number - 1) * PAGE_SIZE)
        self.staged.clear()
        self.staged_raw.clear()
        self.committed = self.disk_pages = self.count

    def sync(self, site: str) -> None:
        """fsync the file (after ``spill``)."""
        if self.handle is not None:
            self.fileops.fsync(self.handle, site)

    def close(self) -> None:
        if self.handle is not None:
            self.fileops.close(self.handle)
            self.handle = None
