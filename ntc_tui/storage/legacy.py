"""A table written by the original, read from its records file: the original's index loses keys."""

from __future__ import annotations

from bisect import bisect_left

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.layout import PACKS_MAX, VOL_MAX
from ntc_tui.storage.pages import Key
from ntc_tui.storage.recordfile import Record, RecordFile


class LegacyRecords:
    """Every record of the table in key order, repeated keys added: the rows `--repair` keeps.

    Read once, on first use. CorruptError names a damaged page or record (run `--repair`).
    """

    def __init__(self, records: RecordFile) -> None:
        self.records = records
        self.key_of = records.layout.key_of
        self._rows: list[Record] | None = None

    def rows(self) -> list[Record]:
        if self._rows is None:
            self._rows = self._read()
        return self._rows

    def get(self, key: Key) -> tuple[int, int] | None:
        """(vol, packs) of ``key``, None if no record holds it."""
        rows = self.rows()
        position = bisect_left(rows, key, key=self.key_of)
        if position < len(rows) and self.key_of(rows[position]) == key:
            return rows[position][-2], rows[position][-1]
        return None

    def scan(self, lo: Key | None, hi: Key | None) -> list[Record]:
        """The rows with lo <= key < hi."""
        rows = self.rows()
        start = 0 if lo is None else bisect_left(rows, lo, key=self.key_of)
        end = len(rows) if hi is None else bisect_left(rows, hi, key=self.key_of)
        return rows[start:end]

    def _read(self) -> list[Record]:
        pages = self.records.pages
        totals: dict[Key, tuple[int, int]] = {}
        held = 0
        for number in range(1, pages.count + 1):
            page_rows = pages.get(number).records(self.records.layout)
            held += len(page_rows)
            for row in page_rows:
                key, vol, packs = self.key_of(row), row[-2], row[-1]
                if vol < 0:
                    raise CorruptError(
                        f"{pages.name} page {number}: a record with negative vol"
                        " — run `ntc-tui db check --repair`"
                    )
                old_vol, old_packs = totals.get(key, (0, 0))
                totals[key] = (min(old_vol + vol, VOL_MAX), min(old_packs + packs, PACKS_MAX))
        if held != self.records.records:
            raise CorruptError(
                f"{pages.name} page 1: db_records_number {self.records.records}, the pages hold"
                f" {held} records — run `ntc-tui db check --repair`"
            )
        return [(*key, vol, packs) for key, (vol, packs) in sorted(totals.items())]
