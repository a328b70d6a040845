"""`db check --repair`: rebuild each damaged table from its readable records, atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ntc_tui.storage.checker import CheckReport, Defect, Layouts, check_dir, check_open
from ntc_tui.storage.datadir import DataDir
from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.fileops import FileOps
from ntc_tui.storage.journal import JOURNAL_NAME
from ntc_tui.storage.layout import Layout
from ntc_tui.storage.pages import DB_HEADER, verify_db_page
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


def repair_dir(path: Path, layouts: Layouts, fileops: FileOps | None = None) -> RepairReport:
    """As the writer: discard a damaged journal, rebuild every damaged table, check again."""
    fileops = fileops or FileOps()
    before = CheckReport(path)
    report = RepairReport(before, before)
    with DataDir.open(path, writer=True, fileops=fileops, discard_damaged_journal=True) as datadir:
        check_open(datadir, layouts, before)
        damaged = sorted(before.damaged_stems())
        for stem in damaged:
            layout = layouts(stem)
            assert layout is not None
            report.kept[stem] = _rebuild(datadir, stem, layout, report.dropped)
        if damaged:
            datadir.replace_tables(damaged)
        report.rebuilt = damaged
    if datadir.discarded_journal is not None:
        before.defects.insert(
            0, Defect("", JOURNAL_NAME, None, None, "J1", f"{datadir.discarded_journal}; removed")
        )
    report.after = check_dir(path, layouts, fileops)
    return report


def _rebuild(datadir: DataDir, stem: str, layout: Layout, dropped: list[str]) -> int:
    """Write a new table of the readable records of ``stem``, in file order; returns how many."""
    table = datadir.scratch_table(stem, layout)
    table.create()
    db = datadir.raw_file(f"{stem}.db")
    kept = 0
    for number in range(1, (db.count if db else 0) + 1):
        assert db is not None
        where = f"{db.name} page {number}"
        try:
            raw = db.get(number)
            verify_db_page(raw, where)
        except (CorruptError, OSError) as error:
            dropped.append(f"{where}: unreadable ({error}); its records were dropped")
            continue
        count, page_number, *_ = DB_HEADER.unpack_from(raw, 0)
        if page_number != number or count > layout.records_per_page:
            if count:
                dropped.append(
                    f"{where}: not a page of this file (page number {page_number}, count {count});"
                    " dropped"
                )
            continue
        for slot in range(count):
            *key, vol, packs = layout.record.unpack_from(raw, layout.record_offset(slot))
            if vol < 0:
                dropped.append(f"{where} record {slot}: negative vol {vol}; dropped")
                continue
            table.upsert(tuple(key), vol, packs)
            kept += 1
            if kept % SPILL_EVERY == 0:
                _spill(table)
    _spill(table)
    for page_file in (table.records.pages, table.tree.pages):
        page_file.sync("repair")
        page_file.close()
    return kept


def _spill(table: Table) -> None:
    table.flush_headers()
    table.records.pages.spill()
    table.tree.pages.spill()
