"""`db check --repair`: rebuild each damaged table from its readable records, atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ntc_tui.storage.checker import (
    CheckReport,
    Layouts,
    check_dir,
    check_open,
    legacy_file,
    legacy_kinds,
)
from ntc_tui.storage.datadir import DataDir
from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.fileops import FileOps
from ntc_tui.storage.layout import Layout
from ntc_tui.storage.pager import PageFile
from ntc_tui.storage.pages import DB_HEADER, Key, decode_index_page, verify_db_page
from ntc_tui.storage.table import Table

SPILL_EVERY = 20_000  # records between writes of a rebuilt table's pages (bounds memory)


@dataclass
class RepairReport:
    """The check before, what was rebuilt and dropped, and the check after."""

    before: CheckReport
    after: CheckReport
    rebuilt: list[str] = field(default_factory=list)
    kept: dict[str, int] = field(default_factory=dict)  # stem -> records kept
    dropped: list[str] = field(default_factory=list)  # what could not be kept, and why
    salvaged: list[str] = field(default_factory=list)  # damaged pages whose records were kept


def repair_dir(path: Path, layouts: Layouts, fileops: FileOps | None = None) -> RepairReport:
    """As the writer: discard a damaged journal, rebuild every damaged table, check again."""
    fileops = fileops or FileOps()
    before = CheckReport(path)
    report = RepairReport(before, before)
    with DataDir.open(path, writer=True, fileops=fileops, discard_damaged_journal=True) as datadir:
        check_open(datadir, layouts, before, journal_fate="removed")
        damaged = sorted(before.damaged_stems())
        for stem in damaged:
            layout = layouts(stem)
            assert layout is not None
            report.kept[stem] = _rebuild(datadir, stem, layout, report)
        if damaged:
            datadir.replace_tables(damaged)
        report.rebuilt = damaged
    report.after = check_dir(path, layouts, fileops)
    return report


def _rebuild(datadir: DataDir, stem: str, layout: Layout, report: RepairReport) -> int:
    """Write a new table of the valid records of ``stem``, in file order; returns how many."""
    table = datadir.scratch_table(stem, layout)
    table.create()
    db = datadir.raw_file(f"{stem}.db")
    idx = datadir.raw_file(f"{stem}.idx")
    legacy = legacy_kinds(db, idx)[0]
    if idx is not None:
        idx.close()
    pages = db.count if db else 0
    damaged = {number for number in range(1, pages + 1) if _damaged(db, number, layout, legacy)}
    confirmed = _index_pointers(datadir, stem, layout, damaged) if damaged else {}
    kept = 0
    for number in range(1, pages + 1):
        assert db is not None
        where = f"{db.name} page {number}"
        try:
            raw = db.get(number)
            verify_db_page(raw, where, legacy)
            failed = None
        except CorruptError as error:
            failed = error
        except OSError as error:
            report.dropped.append(f"{where}: unreadable ({error}); its records were dropped")
            continue
        if failed is not None and number not in damaged:
            report.dropped.append(f"{where}: unreadable ({failed}); its records were dropped")
            continue
        count, page_number, *_ = DB_HEADER.unpack_from(raw, 0)
        if page_number != number or count > layout.records_per_page:
            if count:
                report.dropped.append(
                    f"{where}: not a page of this file (page number {page_number}, count {count});"
                    " dropped"
                )
            continue
        lost = 0
        for slot in range(count):
            *fields, vol, packs = layout.record.unpack_from(raw, layout.record_offset(slot))
            key = tuple(fields)
            if failed is not None and confirmed.get((number, layout.db_offset(slot))) != key:
                lost += 1
                continue
            if vol < 0:
                report.dropped.append(f"{where} record {slot}: negative vol {vol}; dropped")
                continue
            table.upsert(key, vol, packs)
            kept += 1
            if kept % SPILL_EVERY == 0:
                _spill(table)
        if failed is not None:
            report.salvaged.append(
                f"{where}: {failed}; kept {count - lost} of its {count} records, those whose key"
                " an index entry confirms (their values are unverified)"
            )
            if lost:
                report.dropped.append(f"{where}: {lost} records no index entry confirms; dropped")
    _spill(table)
    for page_file in (table.records.pages, table.tree.pages):
        page_file.sync("repair")
        page_file.close()
    if db is not None:
        db.close()
    return kept


def _damaged(db: PageFile[bytes] | None, number: int, layout: Layout, legacy: bool | None) -> bool:
    """Whether a DB page fails its checksum but its header is plausible (records to salvage)."""
    assert db is not None
    try:
        raw = db.get(number)
    except (CorruptError, OSError):
        return False
    count, page_number, *_ = DB_HEADER.unpack_from(raw, 0)
    if page_number != number or not 0 < count <= layout.records_per_page:
        return False
    try:
        verify_db_page(raw, f"{db.name} page {number}", legacy)
    except CorruptError:
        return True
    return False


def _index_pointers(
    datadir: DataDir, stem: str, layout: Layout, db_pages: set[int]
) -> dict[tuple[int, int], Key]:
    """(db_page, db_offset) -> key of the entries of the sound index pages into ``db_pages``."""
    idx = datadir.raw_file(f"{stem}.idx")
    if idx is None:
        return {}
    legacy = legacy_file(idx, index=True)
    pointers: dict[tuple[int, int], Key] = {}
    try:
        for number in range(1, idx.count + 1):
            try:
                raw = idx.get(number)
                page = decode_index_page(raw, number, layout, idx.name, bool(legacy))
            except (CorruptError, OSError):
                continue
            keys, pages, offsets, _ = page.columns()
            for key, db_page, db_offset in zip(keys, pages, offsets, strict=True):
                if db_page in db_pages:
                    pointers[db_page, db_offset] = key
    finally:
        idx.close()
    return pointers


def _spill(table: Table) -> None:
    table.flush_headers()
    table.records.pages.spill()
    table.tree.pages.spill()
