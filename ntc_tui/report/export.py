"""Machine-readable reports: the pivot and protocol statistics as CSV rows and JSON objects."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from ntc_tui.records import decode_date, format_address
from ntc_tui.report.pivot import Pivot, saturated
from ntc_tui.report.protocols import ProtocolBucket, Resolution, label, protocol_totals

PIVOT_COLUMNS = ("date", "src", "dst", "bytes", "packets", "saturated")
PROTOCOL_COLUMNS = ("time", "start", "protocol", "bytes", "packets")


def iso_day(code: int) -> str:
    """A date code as YYYY-MM-DD."""
    year, month, day = decode_date(code)
    return f"{year:04d}-{month:02d}-{day:02d}"


def pivot_cells(pivot: Pivot) -> Iterator[tuple[str, str, str, int, int]]:
    """(date, src, dst, bytes, packets) per cell with traffic: by date, then in the row order."""
    texts = [(format_address(row.src), format_address(row.dst)) for row in pivot.rows]
    dates = {day: iso_day(day) for day in pivot.days}
    cells = sorted((day, index) for index, row in enumerate(pivot.rows) for day in row.cells)
    for day, index in cells:
        volume, packets = pivot.rows[index].cells[day]
        src, dst = texts[index]
        yield dates[day], src, dst, volume, packets


def pivot_records(pivot: Pivot) -> Iterator[dict[str, Any]]:
    """The cells of pivot_cells as JSON objects."""
    for date, src, dst, volume, packets in pivot_cells(pivot):
        yield {
            "date": date,
            "src": src,
            "dst": dst,
            "bytes": volume,
            "packets": packets,
            "saturated": saturated(volume, packets),
        }


def csv_field(text: str) -> str:
    """A text field of a CSV line, quoted only if it holds a separator, quote or line end."""
    if any(special in text for special in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def pivot_csv(pivot: Pivot) -> Iterator[str]:
    """The pivot as CSV lines: a header, then one line per date, source and destination."""
    yield ",".join(PIVOT_COLUMNS)
    for date, src, dst, volume, packets in pivot_cells(pivot):  # dates and addresses need no quotes
        yield f"{date},{src},{dst},{volume},{packets},{saturated(volume, packets)}"


def pivot_json(pivot: Pivot) -> str:
    """The pivot as one JSON object: the query, the records of pivot_csv, the totals."""
    query = pivot.query
    document = {
        "query": {
            "from": None if query.first_day is None else iso_day(query.first_day),
            "to": None if query.last_day is None else iso_day(query.last_day),
            "ip": None if query.ip is None else format_address(query.ip),
            "top": query.top,
            "sort": query.sort.value,
        },
        "days": [iso_day(day) for day in pivot.days],
        "rows": list(pivot_records(pivot)),
        "totals": {
            "bytes": pivot.total_bytes,
            "packets": pivot.total_packets,
            "pairs": len(pivot.rows),
            "matched_pairs": pivot.matched_pairs,
            "days": len(pivot.days),
        },
    }
    return json.dumps(document)


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
