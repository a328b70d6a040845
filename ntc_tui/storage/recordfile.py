"""The records file (.db): records appended page after page, counters added in place."""

from __future__ import annotations

import struct
from typing import Any

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import PACKS_MAX, VOL_MAX, Layout
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import COUNT, DbPage, Key

VALUE = struct.Struct("<qI")
FIRST_PAGE_FIELDS = struct.Struct("<III")  # page_for_write, page_max, db_records_number at byte 8
U32_MAX = 2**32 - 1
Record = tuple[Any, ...]  # key fields..., vol, packs: a record as stored


class RecordFile:
    """The records of one table; page 1's header counts pages and records (SPEC §5.1)."""

    def __init__(self, pages: PageFile[DbPage], layout: Layout) -> None:
        self.pages = pages
        self.layout = layout
        self.page_max = 0
        self.records = 0
        self.record_base = layout.record_offset(0)
        self.record_size = layout.record_size
        self.pack_record = layout.record.pack_into
        self.load_header()

    def load_header(self) -> None:
        """Read the counters of page 1 (none yet for a table without pages)."""
        if self.pages.count == 0:
            self.page_max = self.records = 0
            return
        _, _, _, self.page_max, self.records = self.pages.get(1).header()

    def create(self) -> None:
        """Start an empty records file: page 1, no records."""
        self.pages.append(DbPage.empty)
        self.page_max, self.records = 1, 0

    def check_header(self) -> None:
        """CorruptError unless page 1's counters agree with the file (a writer's precondition)."""
        _, _, page_for_write, page_max, _ = self.pages.get(1).header()
        if page_max != self.pages.count or page_for_write != page_max:
            raise CorruptError(
                f"{self.pages.name} page 1: page_max {page_max} / page_for_write {page_for_write}"
                f" disagree with the file's {self.pages.count} pages"
            )

    def flush_header(self) -> None:
        """Write the counters into page 1 if they changed in this batch."""
        if not self.page_max:
            return
        first = self.pages.get(1)
        fields = (self.page_max, self.page_max, min(self.records, U32_MAX))
        if FIRST_PAGE_FIELDS.unpack_from(first.data, 8) != fields:
            FIRST_PAGE_FIELDS.pack_into(first.data, 8, *fields)
            self.pages.stage(1, first)

    def append(self, key: Key, vol: int, packs: int) -> tuple[int, int]:
        """Store a new record on the last page (or a new one); returns (db_page, db_offset)."""
        return self.append_many([(key, vol, packs)])[0]

    def append_many(self, items: list[tuple[Key, int, int]]) -> list[tuple[int, int]]:
        """Store new records, in order, after the last; returns their (db_page, db_offset)."""
        pointers: list[tuple[int, int]] = []
        pack_record = self.pack_record
        record_size = self.record_size
        done = 0
        while done < len(items):
            page = self.pages.staged.get(self.page_max)
            if page is None:
                page = self.pages.get(self.page_max)
                self.pages.stage(page.number, page)
            data = page.data
            count = COUNT.unpack_from(data, 0)[0]
            if count >= self.layout.records_per_page:
                page = self.pages.append(DbPage.empty)
                self.page_max = page.number
                data = page.data
                count = 0
            chunk = items[done : done + self.layout.records_per_page - count]
            offset = self.record_base + record_size * count
            number = page.number
            for key, vol, packs in chunk:
                if vol <= VOL_MAX and packs <= PACKS_MAX:
                    pack_record(data, offset, *key, vol, packs)
                else:  # counters saturate instead of wrapping
                    pack_record(data, offset, *key, min(vol, VOL_MAX), min(packs, PACKS_MAX))
                pointers.append((number, offset >> 2))
                offset += record_size
            COUNT.pack_into(data, 0, count + len(chunk))
            done += len(chunk)
        self.records += len(items)
        return pointers

    def _record_page(self, key: Key, db_page: int, db_offset: int) -> tuple[DbPage, int]:
        page = self.pages.get(db_page)
        slot = self.layout.slot_of(db_offset)
        offset = db_offset * 4
        if slot is None or slot >= COUNT.unpack_from(page.data, 0)[0]:
            raise self.pointer_error(db_page, db_offset, another_key=False)
        if self.layout.key.unpack_from(page.data, offset) != key:
            raise self.pointer_error(db_page, db_offset, another_key=True)
        return page, offset + self.layout.key.size

    def pointer_error(self, db_page: int, db_offset: int, *, another_key: bool) -> CorruptError:
        """The error of an index entry that points at no record, or at another key's."""
        what = "the record of another key" if another_key else "no record"
        return CorruptError(
            f"{self.pages.name} page {db_page}: the index points at offset {db_offset}, {what}"
            " — run `ntc-tui db check --repair`"
        )

    def value(self, key: Key, db_page: int, db_offset: int) -> tuple[int, int]:
        """vol and packs of the record an index entry points at (CorruptError if not ``key``'s)."""
        page, offset = self._record_page(key, db_page, db_offset)
        vol, packs = VALUE.unpack_from(page.data, offset)
        return vol, packs

    def add(self, key: Key, db_page: int, db_offset: int, vol: int, packs: int) -> None:
        """Add to a stored record's counters in place; they saturate instead of wrapping."""
        page, offset = self._record_page(key, db_page, db_offset)
        old_vol, old_packs = VALUE.unpack_from(page.data, offset)
        VALUE.pack_into(
            page.data, offset, min(old_vol + vol, VOL_MAX), min(old_packs + packs, PACKS_MAX)
        )
        self.pages.stage(db_page, page)


class RecordPages(dict[int, list[Record]]):
    """The records of DB pages read by one scan, by page number; a bounded number at a time."""

    LIMIT = 64  # pages held; a scan in key order revisits the few pages a day's records fill

    def __init__(self, records: RecordFile) -> None:
        super().__init__()
        self.pages = records.pages
        self.layout = records.layout

    def __missing__(self, number: int) -> list[Record]:
        if len(self) >= self.LIMIT:
            self.clear()
        rows = self[number] = self.pages.get(number).records(self.layout)
        return rows
