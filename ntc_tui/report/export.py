"""Machine-readable reports: the pivot and protocol statistics as CSV rows and JSON objects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

from ntc_tui.records import decode_date, format_address
from ntc_tui.report.pivotdata import Pivot, saturated
from ntc_tui.report.protocols import ProtocolBucket, Resolution, label, protocol_totals

PIVOT_COLUMNS = ("date", "src", "dst", "bytes", "packets", "saturated")
PROTOCOL_COLUMNS = ("time", "start", "protocol", "bytes", "packets")


def iso_day(code: int) -> str:
    """A date code as YYYY-MM-DD."""
    year, month, day = decode_date(code)
    return f"{year:04d}-{month:02d}-{day:02d}"


CellFormat = Callable[[str, str], str]  # (date, saturated) -> %-format of (pair, bytes, packets)


@dataclass(frozen=True)
class _Texts:
    """How a machine-readable layout writes the pivot's cells."""

    cell_format: CellFormat
    dates: Sequence[str]  # of pivot.days
    pairs: Sequence[str]  # of pivot.rows
    flags: tuple[str, str]  # False and True
    separator: str  # between cells


def _day_texts(pivot: Pivot, texts: _Texts) -> Iterator[str]:
    """Per day, its cells in the row order as one text: by one %, unless a cell saturated."""
    for cells, date in zip(pivot.day_cells(), texts.dates, strict=True):
        rows = sorted(cells.volumes)
        counters = zip(
            map(texts.pairs.__getitem__, rows),
            map(cells.volumes.__getitem__, rows),
            map(cells.packets.__getitem__, rows),
            strict=True,
        )
        if not cells.saturates():
            every = texts.separator.join(repeat(texts.cell_format(date, texts.flags[0]), len(rows)))
            yield every % tuple(chain.from_iterable(counters))
        else:
            yield texts.separator.join(
                texts.cell_format(date, texts.flags[saturated(volume, count)])
                % (pair, volume, count)
                for pair, volume, count in counters
            )


def csv_field(text: str) -> str:
    """A text field of a CSV line, quoted only if it holds a separator, quote or line end."""
    if any(special in text for special in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def pivot_csv(pivot: Pivot) -> Iterator[str]:
    """The pivot as CSV lines: a header, then one line per date, source and destination (each
    day's lines as one text)."""
    yield ",".join(PIVOT_COLUMNS)
    texts = _Texts(  # dates and addresses need no quotes
        cell_format=lambda date, flag: f"{date},%s,%d,%d,{flag}",
        dates=[iso_day(day) for day in pivot.days],
        pairs=[f"{format_address(row.src)},{format_address(row.dst)}" for row in pivot.rows],
        flags=("False", "True"),
        separator="\n",
    )
    yield from _day_texts(pivot, texts)


def pivot_json(pivot: Pivot) -> str:
    """The pivot as one JSON object: the query, the records of pivot_csv, the totals; the text
    json.dumps would write, with the records written straight from the cells."""
    query = pivot.query
    head = {
        "query": {
            "from": None if query.first_day is None else iso_day(query.first_day),
            "to": None if query.last_day is None else iso_day(query.last_day),
            "ip": None if query.ip is None else format_address(query.ip),
            "top": query.top,
            "sort": query.sort.value,
        },
        "days": [iso_day(day) for day in pivot.days],
    }
    totals = {
        "bytes": pivot.total_bytes,
        "packets": pivot.total_packets,
        "pairs": len(pivot.rows),
        "matched_pairs": pivot.matched_pairs,
        "days": len(pivot.days),
    }
    addresses = (
        (json.dumps(format_address(row.src)), json.dumps(format_address(row.dst)))
        for row in pivot.rows
    )
    texts = _Texts(
        cell_format=lambda date, flag: (
            f'{{"date": {date}, %s, "bytes": %d, "packets": %d, "saturated": {flag}}}'
        ),
        dates=[json.dumps(date) for date in head["days"]],
        pairs=[f'"src": {src}, "dst": {dst}' for src, dst in addresses],
        flags=("false", "true"),
        separator=", ",
    )
    rows = ", ".join(_day_texts(pivot, texts))
    return f'{json.dumps(head)[:-1]}, "rows": [{rows}], "totals": {json.dumps(totals)}}}'


def _protocol_records(
    series: Sequence[ProtocolBucket], resolution: Resolution, utc: bool
) -> Iterator[dict[str, Any]]:
    for bucket in series:
        yield {
            "time": label(bucket.start, resolution, utc),
            "start": bucket.start,
            "protocol": bucket.proto,
            "bytes": bucket.bytes,
            "packets": bucket.packets,
        }


def protocols_csv(
    series: Sequence[ProtocolBucket], resolution: Resolution, utc: bool
) -> Iterator[str]:
    """Protocol statistics as CSV lines: time, epoch second of the bucket, protocol, counts."""
    yield ",".join(PROTOCOL_COLUMNS)
    for record in _protocol_records(series, resolution, utc):
        yield ",".join(csv_field(str(record[column])) for column in PROTOCOL_COLUMNS)


def protocols_json(series: Sequence[ProtocolBucket], resolution: Resolution, utc: bool) -> str:
    """Protocol statistics as one JSON object: the buckets and each protocol's total."""
    totals = protocol_totals(list(series))
    document = {
        "resolution": resolution.value,
        "utc": utc,
        "buckets": list(_protocol_records(series, resolution, utc)),
        "totals": {
            "bytes": sum(volume for _, volume, _ in totals),
            "packets": sum(packets for _, _, packets in totals),
            "protocols": [
                {"protocol": proto, "bytes": volume, "packets": packets}
                for proto, volume, packets in totals
            ],
        },
    }
    return json.dumps(document)
