"""Text layouts: the original's pivot in blocks of at most 7 days, and protocol statistics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ntc_tui.records import decode_date, format_address
from ntc_tui.report.pivot import PACKETS_MAX, VOLUME_MAX, Pivot, PivotRow, SortKey, saturated
from ntc_tui.report.protocols import ProtocolBucket, Resolution, label, protocol_totals

END_OF_REPORT = "----- END OF REPORT -----"
BLOCK_DAYS = 7  # date columns per block, so a line stays bounded
ADDRESS_WIDTH = 15  # the original's columns; IPv6 addresses widen them
VOLUME_WIDTH = 11
PACKETS_WIDTH = 8
CELL_PADDING = 2
COLUMN_GAP = "   "
SATURATED_MARK = "*"
SATURATED_NOTE = "* a counter reached its maximum; the true value is at least this"


def counter_text(value: int, maximum: int) -> str:
    """A stored counter, marked when it saturated."""
    return f"{value}{SATURATED_MARK}" if value >= maximum else str(value)


def original_day(code: int) -> str:
    """A date code as the original's column heading: DD.MM.YYYY."""
    year, month, day = decode_date(code)
    return f"{day:02d}.{month:02d}.{year:04d}"


def _blocks_of_rows(pivot: Pivot) -> list[list[int]]:
    """For each block of days, the indexes of the rows active in it, in the pivot's order."""
    block_of_day = {day: index // BLOCK_DAYS for index, day in enumerate(pivot.days)}
    blocks: list[list[int]] = [[] for _ in range(0, len(pivot.days), BLOCK_DAYS)]
    for index, row in enumerate(pivot.rows):
        for block in sorted({block_of_day[day] for day in row.cells}):
            blocks[block].append(index)
    return blocks


@dataclass(frozen=True)
class _Column:
    """One date column of a block: the original's widths, or wider where a number needs it."""

    day: int
    width: int
    pattern: str  # str.format pattern of a cell with traffic
    blank: str  # a quiet day


def _column(day: int, cells: Sequence[tuple[int, int] | None]) -> _Column:
    present = [cell for cell in cells if cell is not None]
    top_volume = max((cell[0] for cell in present), default=0)
    top_packets = max((cell[1] for cell in present), default=0)
    volume_width = max(VOLUME_WIDTH, len(counter_text(top_volume, VOLUME_MAX)) + 1)
    packets_width = max(PACKETS_WIDTH, len(counter_text(top_packets, PACKETS_MAX)) + 1)
    width = volume_width + packets_width + CELL_PADDING
    pattern = f"{{:>{volume_width}}}{{:>{packets_width}}}{'':{CELL_PADDING}}"
    return _Column(day, width, pattern, " " * width)


def _saturated_cell(cell: tuple[int, int], column: _Column) -> str:
    volume, packets = counter_text(cell[0], VOLUME_MAX), counter_text(cell[1], PACKETS_MAX)
    return column.pattern.format(volume, packets)


def _row_line(pair: str, line: Sequence[tuple[int, int] | None], columns: Sequence[_Column]) -> str:
    texts = [
        column.blank
        if cell is None
        else column.pattern.format(*cell)
        if cell[0] < VOLUME_MAX and cell[1] < PACKETS_MAX
        else _saturated_cell(cell, column)
        for cell, column in zip(line, columns, strict=True)
    ]
    return pair + "|" + "|".join(texts) + "|"


def _block_lines(
    days: Sequence[int],
    rows: Sequence[PivotRow],
    pairs: Sequence[str],
    address_widths: tuple[int, int],
) -> Iterator[str]:
    cells = [[row.cells.get(day) for day in days] for row in rows]
    columns = [
        _column(day, column) for day, column in zip(days, zip(*cells, strict=True), strict=True)
    ]
    src_width, dst_width = address_widths
    left = src_width + dst_width + 2 * len(COLUMN_GAP)
    span = sum(column.width for column in columns) + len(columns) - 1
    rule = "-" * left + "+" + "+".join("-" * column.width for column in columns) + "+"
    yield " " * left + "+" + "-" * span + "+"
    yield " " * left + "|" + "VOLUME / PACKETS".center(span) + "|"
    yield rule
    yield (
        f"{'IPsrc':>{src_width - 2}}{'':2}{COLUMN_GAP}{'IPdst':>{dst_width - 2}}{'':2}{COLUMN_GAP}|"
        + "|".join(original_day(column.day).center(column.width) for column in columns)
        + "|"
    )
    yield rule
    for pair, line in zip(pairs, cells, strict=True):
        yield _row_line(pair, line, columns)
    yield ""


def pivot_text(pivot: Pivot) -> Iterator[str]:
    """The original's DB report: per block of days, a header and the rows active in it."""
    sources = [format_address(row.src) for row in pivot.rows]
    destinations = [format_address(row.dst) for row in pivot.rows]
    src_width = max([ADDRESS_WIDTH, *map(len, sources)])
    dst_width = max([ADDRESS_WIDTH, *map(len, destinations)])
    pairs = [
        f"{src:>{src_width}}{COLUMN_GAP}{dst:>{dst_width}}{COLUMN_GAP}"
        for src, dst in zip(sources, destinations, strict=True)
    ]
    for number, indexes in enumerate(_blocks_of_rows(pivot)):
        days = pivot.days[number * BLOCK_DAYS : (number + 1) * BLOCK_DAYS]
        rows = [pivot.rows[index] for index in indexes]
        yield from _block_lines(days, rows, [pairs[i] for i in indexes], (src_width, dst_width))
    yield from _notes(pivot)
    yield END_OF_REPORT


def _notes(pivot: Pivot) -> Iterator[str]:
    if len(pivot.rows) < pivot.matched_pairs:
        by = "packets" if pivot.query.sort is SortKey.PACKETS else "bytes"
        yield f"The {len(pivot.rows)} largest of {pivot.matched_pairs} pairs by {by}."
    candidates = (r for r in pivot.rows if r.bytes >= VOLUME_MAX or r.packets >= PACKETS_MAX)
    if any(saturated(*cell) for row in candidates for cell in row.cells.values()):
        yield SATURATED_NOTE


def protocols_text(
    series: Sequence[ProtocolBucket], resolution: Resolution, utc: bool
) -> Iterator[str]:
    """One line per bucket and protocol, then each protocol's total."""
    time_width = len(label(0, resolution, utc))
    clock = "UTC" if utc else "local time"
    heading = f"{'TIME':<{time_width}}   {'PROTOCOL':<8} {'VOL':>20} {'PACKS':>14}"
    rule = "-" * len(heading)
    yield f"Protocol statistics per {resolution.value} ({clock})"
    yield rule
    yield heading
    yield rule
    for bucket in series:
        yield (
            f"{label(bucket.start, resolution, utc):<{time_width}}   {bucket.proto:<8} "
            f"{bucket.bytes:>20} {bucket.packets:>14}"
        )
    yield rule
    for proto, volume, packets in protocol_totals(list(series)):
        yield f"{'TOTAL':<{time_width}}   {proto:<8} {volume:>20} {packets:>14}"
    yield rule
    yield ""
    yield END_OF_REPORT
