"""Text layouts: the original's pivot in blocks of at most 7 days, and protocol statistics."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice, repeat

from ntc_tui.records import decode_date, format_address
from ntc_tui.report.pivotdata import PACKETS_MAX, VOLUME_MAX, DayCells, Pivot, SortKey
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


@dataclass(frozen=True)
class _Column:
    """One date column: the original's widths, or wider where the day's numbers need it."""

    day: int
    width: int
    cell: str  # %-format of a cell: its volume and packets, or "" and "" on a quiet day


def _column(cells: DayCells) -> _Column:
    top_volume, top_packets = max(cells.volumes.values()), max(cells.packets.values())
    volume_width = max(VOLUME_WIDTH, len(counter_text(top_volume, VOLUME_MAX)) + 1)
    packets_width = max(PACKETS_WIDTH, len(counter_text(top_packets, PACKETS_MAX)) + 1)
    width = volume_width + packets_width + CELL_PADDING
    return _Column(cells.day, width, f"%{volume_width}s%{packets_width}s{'':{CELL_PADDING}}")


def _counter_texts(cells: DayCells) -> tuple[dict[int, str], dict[int, str]]:
    """The day's volumes and packets by row as texts, each marked if it saturated."""
    volumes = {row: counter_text(value, VOLUME_MAX) for row, value in cells.volumes.items()}
    packets = {row: counter_text(value, PACKETS_MAX) for row, value in cells.packets.items()}
    return volumes, packets


def _block_lines(
    block: Sequence[DayCells], pairs: Sequence[str], address_widths: tuple[int, int]
) -> Iterator[str]:
    """A block's header lines, then its row lines as one text: one % fills every cell."""
    columns = [_column(cells) for cells in block]
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
    rows = sorted(set[int]().union(*(cells.volumes for cells in block)))  # the pivot's order
    counters: list[Iterator[int | str]] = [map(pairs.__getitem__, rows)]
    for cells in block:  # a quiet day's cell is ("", ""): blank, as wide as the column
        volumes: Mapping[int, int | str] = cells.volumes
        packets: Mapping[int, int | str] = cells.packets
        if cells.saturates():
            volumes, packets = _counter_texts(cells)
        counters += map(volumes.get, rows, repeat("")), map(packets.get, rows, repeat(""))
    line = "%s|" + "|".join(column.cell for column in columns) + "|"
    values = tuple(chain.from_iterable(zip(*counters, strict=True)))
    yield "\n".join(repeat(line, len(rows))) % values
    yield ""


def pivot_text(pivot: Pivot) -> Iterator[str]:
    """The original's DB report: per block of days, a header and the rows active in it. Yields
    lines, each block's rows as one text of lines."""
    sources = [format_address(row.src) for row in pivot.rows]
    destinations = [format_address(row.dst) for row in pivot.rows]
    src_width = max([ADDRESS_WIDTH, *map(len, sources)])
    dst_width = max([ADDRESS_WIDTH, *map(len, destinations)])
    pair_format = f"%{src_width}s{COLUMN_GAP}%{dst_width}s{COLUMN_GAP}"
    pairs = list(map(pair_format.__mod__, zip(sources, destinations, strict=True)))
    days, saturates = pivot.day_cells(), False
    while block := list(islice(days, BLOCK_DAYS)):
        saturates = saturates or any(cells.saturates() for cells in block)
        yield from _block_lines(block, pairs, (src_width, dst_width))
    yield from _notes(pivot, saturates)
    yield END_OF_REPORT


def _notes(pivot: Pivot, saturates: bool) -> Iterator[str]:
    if len(pivot.rows) < pivot.matched_pairs:
        by = "packets" if pivot.query.sort is SortKey.PACKETS else "bytes"
        yield f"The {len(pivot.rows)} largest of {pivot.matched_pairs} pairs by {by}."
    if saturates:
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
