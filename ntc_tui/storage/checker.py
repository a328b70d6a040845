"""`db check`: every invariant of FORMAT.md over every table, each defect by file, page and key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ntc_tui.storage.btree import MAX_DEPTH
from ntc_tui.storage.datadir import DataDir, unusable_error
from ntc_tui.storage.errors import CorruptError, StorageError
from ntc_tui.storage.fileops import FileOps
from ntc_tui.storage.journal import JOURNAL_NAME
from ntc_tui.storage.layout import (
    DB_TRAILER_OFFSET,
    IDX_HEADER_SIZE,
    NO_CHILD,
    PAGE_SIZE,
    Layout,
)
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import (
    DB_HEADER,
    IDX_HEADER,
    IndexPage,
    Key,
    empty_tail,
    is_legacy,
    verify_db_page,
    verify_index_page,
)
from ntc_tui.storage.recordfile import VALUE

MAX_DEFECTS_PER_TABLE = 1000  # further defects of a table are counted, not listed
Layouts = Callable[[str], Layout | None]


@dataclass(frozen=True)
class Defect:
    """One broken invariant: where (file, page, key) and which (FORMAT.md number)."""

    stem: str
    file: str
    page: int | None
    key: Key | None
    invariant: str
    message: str


@dataclass
class CheckReport:
    """What `db check` found in a data directory."""

    path: Path
    defects: list[Defect] = field(default_factory=list)
    suppressed: int = 0  # defects beyond MAX_DEFECTS_PER_TABLE of a table, not listed
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.defects and not self.suppressed

    def damaged_stems(self) -> set[str]:
        return {defect.stem for defect in self.defects if defect.stem}


def legacy_file(page_file: PageFile[bytes] | None, *, index: bool) -> bool | None:
    """Whether a file's page 1 is legacy (then so must all its pages be); None if unreadable."""
    try:
        return None if page_file is None else is_legacy(page_file.get(1), index)
    except (CorruptError, OSError):
        return None


def legacy_kinds(
    db: PageFile[bytes] | None, idx: PageFile[bytes] | None
) -> tuple[bool | None, bool | None]:
    """Whether the .db and the .idx of a table were written by the original (legacy_file).

    A .db without checksums beside an .idx with them is no file of the original: it is damaged.
    """
    idx_legacy = legacy_file(idx, index=True)
    db_legacy = legacy_file(db, index=False)
    return (False if idx_legacy is False and db_legacy else db_legacy), idx_legacy


def check_dir(path: Path, layouts: Layouts, fileops: FileOps | None = None) -> CheckReport:
    """Check every table of the data directory as a reader sees it; never raises on bad bytes."""
    report = CheckReport(path)
    fileops = fileops or FileOps()
    try:
        if not fileops.exists(path):
            report.notes.append(f"{path}: no data directory (nothing stored yet)")
            return report
        datadir = DataDir.open(path, writer=False, fileops=fileops, discard_damaged_journal=True)
    except OSError as error:
        report.defects.append(Defect("", "", None, None, "F0", str(unusable_error(path, error))))
        return report
    except StorageError as error:
        report.defects.append(Defect("", "", None, None, "F0", str(error)))
        return report
    with datadir:
        check_open(datadir, layouts, report)
    return report


def check_open(
    datadir: DataDir, layouts: Layouts, report: CheckReport, journal_fate: str = "ignored"
) -> None:
    """Check the tables of an open data directory into ``report`` (``journal_fate``: what
    became of a damaged journal)."""
    if datadir.discarded_journal is not None:
        report.defects.append(
            Defect(
                "", JOURNAL_NAME, None, None, "J1", f"{datadir.discarded_journal}; {journal_fate}"
            )
        )
    elif datadir.has_overlay():
        report.notes.append(
            f"{JOURNAL_NAME}: a committed batch awaits being written in place (counted here;"
            " the next writer finishes it)"
        )
    try:
        stems = datadir.stems()
    except StorageError as error:
        report.defects.append(Defect("", "", None, None, "F0", str(error)))
        return
    for stem in stems:
        layout = layouts(stem)
        if layout is None:
            report.notes.append(f"{stem}.db/.idx: not a table of ntc-tui; not checked")
            continue
        report.tables.append(stem)
        try:
            with TableCheck(report, datadir, stem, layout) as check:
                check.run()
        except StorageError as error:
            report.defects.append(Defect(stem, f"{stem}.db/.idx", None, None, "F2", str(error)))


class TableCheck:
    """The checks of one table: DB pages, then a walk of the tree from the root."""

    def __init__(self, report: CheckReport, datadir: DataDir, stem: str, layout: Layout) -> None:
        self.report = report
        self.stem = stem
        self.layout = layout
        self.db = datadir.raw_file(f"{stem}.db", cache_pages=2048)
        self.idx: PageFile[bytes] | None = None
        try:
            self.idx = datadir.raw_file(f"{stem}.idx", cache_pages=64)
        except StorageError:
            self.close()
            raise
        self.listed = 0
        self.page_counts: list[int] = []  # records on each DB page; -1 for an unreadable page
        self.records = 0
        self.legacy = 0
        self.db_legacy, self.idx_legacy = legacy_kinds(self.db, self.idx)

    def defect(self, file: str, page: int | None, key: Key | None, rule: str, text: str) -> None:
        if self.listed >= MAX_DEFECTS_PER_TABLE:
            self.report.suppressed += 1
            return
        self.listed += 1
        self.report.defects.append(Defect(self.stem, file, page, key, rule, text))

    def __enter__(self) -> TableCheck:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for page_file in (self.db, self.idx):
            if page_file is not None:
                page_file.close()

    def run(self) -> None:
        for page_file, suffix in ((self.db, ".db"), (self.idx, ".idx")):
            if page_file is None or page_file.count == 0:
                self.defect(self.stem + suffix, None, None, "F1", "missing or empty file")
            elif page_file.disk_bytes % PAGE_SIZE:
                self.defect(
                    page_file.name,
                    None,
                    None,
                    "F2",
                    f"size {page_file.disk_bytes} is not whole pages",
                )
        if self.db is not None and self.db.count:
            self.check_records(self.db)
        if self.idx is not None and self.idx.count and self.db is not None:
            TreeWalk(self, self.idx, self.db).run()
        if self.legacy:
            self.report.notes.append(
                f"{self.stem}: {self.legacy} page(s) written by the original ntc (no checksum)"
            )

    def read(self, page_file: PageFile[bytes], number: int) -> bytes | None:
        try:
            return page_file.get(number)
        except (CorruptError, OSError) as error:
            self.defect(page_file.name, number, None, "F2", str(error))
            return None

    def check_records(self, db: PageFile[bytes]) -> None:
        name = db.name
        rpp = self.layout.records_per_page
        self.page_counts = [0] * (db.count + 1)
        first: tuple[int, ...] | None = None
        for number in range(1, db.count + 1):
            self.page_counts[number] = -1
            raw = self.read(db, number)
            if raw is None:
                continue
            try:
                self.legacy += not verify_db_page(raw, f"{name} page {number}", self.db_legacy)
            except CorruptError as error:
                self.defect(name, number, None, "P1", str(error))
                continue
            header = DB_HEADER.unpack_from(raw, 0)
            count, page_number = header[0], header[1]
            if page_number != number:
                self.defect(name, number, None, "P2", f"holds page number {page_number}")
                continue
            if count > rpp:
                self.defect(name, number, None, "D3", f"count {count} exceeds {rpp}")
                continue
            if number == 1:
                first = header
            elif any(header[2:]):
                self.defect(name, number, None, "D5", "page-1-only header fields are not zero")
            if number < db.count and count != rpp:
                self.defect(name, number, None, "D3", f"holds {count} records but is not the last")
            end = self.layout.record_offset(count)
            if not empty_tail(raw, end, DB_TRAILER_OFFSET):
                self.defect(name, number, None, "D6", "bytes after the last record are not zero")
            self.page_counts[number] = count
            self.records += count
            for slot in range(count):
                offset = self.layout.record_offset(slot)
                vol, _ = VALUE.unpack_from(raw, offset + self.layout.key.size)
                if vol < 0:
                    key = self.layout.key.unpack_from(raw, offset)
                    self.defect(name, number, key, "D7", f"negative vol {vol}")
        if first is not None:
            _, _, page_for_write, page_max, records = first
            if page_max != db.count:
                self.defect(name, 1, None, "D1", f"page_max {page_max}, file has {db.count} pages")
            if page_for_write != db.count:
                self.defect(
                    name, 1, None, "D2", f"page_for_write {page_for_write} is not the last page"
                )
            if records != self.records:
                self.defect(
                    name, 1, None, "D4", f"db_records_number {records}, pages hold {self.records}"
                )

    def record_key(self, db: PageFile[bytes], number: int, slot: int) -> Key | None:
        raw = self.read(db, number)
        return (
            None
            if raw is None
            else self.layout.key.unpack_from(raw, self.layout.record_offset(slot))
        )


@dataclass
class Frame:
    """A page to visit: its depth and the keys its entries must lie strictly between."""

    number: int
    depth: int
    lo: Key | None
    hi: Key | None


class TreeWalk:
    """Visits every page reachable from the root once and checks it against its parent."""

    def __init__(self, table: TableCheck, idx: PageFile[bytes], db: PageFile[bytes]) -> None:
        self.table = table
        self.layout = table.layout
        self.idx = idx
        self.db = db
        self.name = idx.name
        self.parents = bytearray(idx.count + 1)
        self.refs = bytearray(len(table.page_counts) * self.layout.records_per_page)
        self.leaf_depths: set[int] = set()

    def run(self) -> None:
        stack = [Frame(1, 0, None, None)]
        while stack:
            frame = stack.pop()
            stack.extend(reversed(self.visit(frame)))
        for number in range(2, self.idx.count + 1):
            if not self.parents[number]:
                self.table.defect(self.name, number, None, "I7", "no parent points at this page")
        if len(self.leaf_depths) > 1:
            depths = ", ".join(map(str, sorted(self.leaf_depths)))
            self.table.defect(self.name, None, None, "I8", f"leaves at several depths: {depths}")
        self.unindexed_records()

    def visit(self, frame: Frame) -> list[Frame]:
        table, name, number = self.table, self.name, frame.number
        raw = table.read(self.idx, number)
        if raw is None:
            return []
        try:
            table.legacy += not verify_index_page(raw, f"{name} page {number}", table.idx_legacy)
        except CorruptError as error:
            table.defect(name, number, None, "P1", str(error))
            return []
        count, level, page_number, page_count, _ = IDX_HEADER.unpack_from(raw, 0)
        if page_number != number:
            table.defect(name, number, None, "P2", f"holds page number {page_number}")
            return []
        if count > self.layout.max_keys:
            table.defect(name, number, None, "I3", f"count {count} exceeds {self.layout.max_keys}")
            return []
        keys, db_pages, db_offsets, children = IndexPage(
            number, bytearray(raw), self.layout
        ).columns()
        if level != frame.depth:
            table.defect(name, number, None, "I8", f"level {level} at depth {frame.depth}")
        if number == 1 and page_count != self.idx.count:
            table.defect(name, 1, None, "I1", f"page_count {page_count}, file has {self.idx.count}")
        if number != 1 and page_count:
            table.defect(name, number, None, "I2", f"page_count {page_count} on a non-root page")
        if number != 1 and count < self.layout.n:
            table.defect(name, number, None, "I3", f"{count} keys, fewer than n = {self.layout.n}")
        if number == 1 and not count and table.records:
            table.defect(name, 1, None, "I3", "empty root of a table with records")
        if not empty_tail(raw, IDX_HEADER_SIZE + count * self.layout.entry_size, PAGE_SIZE):
            table.defect(name, number, None, "I11", "bytes after the last entry are not zero")
        self.check_keys(number, keys, frame)
        for position, key in enumerate(keys):
            self.check_pointer(number, key, db_pages[position], db_offsets[position])
        return self.children(number, keys, children, frame)

    def check_keys(self, number: int, keys: list[Key], frame: Frame) -> None:
        for position, key in enumerate(keys):
            if position and keys[position - 1] >= key:
                self.table.defect(self.name, number, key, "I4", "key not above the one before it")
            if (frame.lo is not None and key <= frame.lo) or (
                frame.hi is not None and key >= frame.hi
            ):
                self.table.defect(
                    self.name, number, key, "I5", "key outside the range its parent gives the page"
                )

    def check_pointer(self, number: int, key: Key, db_page: int, db_offset: int) -> None:
        counts = self.table.page_counts
        slot = self.layout.slot_of(db_offset)
        if not 1 <= db_page < len(counts) or slot is None or slot >= max(counts[db_page], 0):
            self.table.defect(
                self.name,
                number,
                key,
                "I9",
                f"points at {self.db.name} page {db_page} offset {db_offset}: no record there",
            )
            return
        stored = self.table.record_key(self.db, db_page, slot)
        if stored != key:
            self.table.defect(
                self.name,
                number,
                key,
                "I9",
                f"points at {self.db.name} page {db_page} offset {db_offset}: another key's record",
            )
            return
        index = (db_page - 1) * self.layout.records_per_page + slot
        if self.refs[index]:
            self.table.defect(self.name, number, key, "I10", "a second entry for the same record")
        self.refs[index] = 1

    def children(
        self, number: int, keys: list[Key], children: list[int] | None, frame: Frame
    ) -> list[Frame]:
        if children is None:
            self.leaf_depths.add(frame.depth)
            return []
        bad = [c for c in children if not 2 <= c <= self.idx.count]
        if not any(children):
            self.table.defect(
                self.name,
                number,
                None,
                "I6",
                "a leaf whose child pointers are 0, not 0xFFFFFFFF (written by the original)",
            )
        elif bad:
            zeros = bad.count(0)
            self.table.defect(
                self.name,
                number,
                None,
                "I6",
                f"{len(bad)} of {len(children)} child pointers are not pages of the file"
                + (f" ({zeros} are 0: the original's 'no child yet')" if zeros else ""),
            )
        if all(c in (0, NO_CHILD) for c in children):
            self.leaf_depths.add(frame.depth)
            return []
        if frame.depth + 1 >= MAX_DEPTH:
            self.table.defect(self.name, number, None, "I8", f"tree deeper than {MAX_DEPTH}")
            return []
        frames = []
        for position, child in enumerate(children):
            if not 2 <= child <= self.idx.count:
                continue
            if self.parents[child]:
                self.table.defect(self.name, child, None, "I7", "more than one parent points here")
                continue
            self.parents[child] = 1
            lo = keys[position - 1] if position else frame.lo
            hi = keys[position] if position < len(keys) else frame.hi
            frames.append(Frame(child, frame.depth + 1, lo, hi))
        return frames

    def unindexed_records(self) -> None:
        rpp = self.layout.records_per_page
        for number, count in enumerate(self.table.page_counts):
            for slot in range(max(count, 0)):
                if not self.refs[(number - 1) * rpp + slot]:
                    key = self.table.record_key(self.db, number, slot)
                    self.table.defect(
                        self.db.name, number, key, "I10", f"record {slot} has no index entry"
                    )
