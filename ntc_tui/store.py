"""The data directory of ntc-tui: its tables (SPEC §5.1–5.3), the import ledger, atomic batches."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ntc_tui.records import decode_date, format_address
from ntc_tui.storage.layout import Layout

CONN4_STEM = "ntc"  # SPEC §5.1, the original's ntc.db / ntc.idx
CONN6_STEM = "ntc6"  # SPEC §5.2
LEDGER_STEM = "ledger"  # which imported file contents are already counted (SPEC §6)
PROTO_PREFIX = "proto-"  # SPEC §5.3, one table per UTC month: proto-YYYY-MM

CONN4_LAYOUT = Layout("<III")  # date, src, dst
CONN6_LAYOUT = Layout("<I16s16s")  # date, src, dst
PROTO_LAYOUT = Layout("<I8s")  # epoch second, protocol name NUL-padded
LEDGER_LAYOUT = Layout("<16sQ16s")  # head digest, imported length, digest of the imported prefix


def default_data_dir() -> Path:
    """/var/lib/ntc-tui for root, else ${XDG_DATA_HOME:-~/.local/share}/ntc-tui (SPEC §2)."""
    if os.geteuid() == 0:
        return Path("/var/lib/ntc-tui")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ntc-tui"


def proto_stem(second: int) -> str:
    """The protocol table that holds an epoch second: one per UTC month."""
    tm = time.gmtime(second)
    return f"{PROTO_PREFIX}{tm.tm_year:04d}-{tm.tm_mon:02d}"


def layout_for_stem(stem: str) -> Layout | None:
    """The layout of a table of the data directory, None for a name ntc-tui does not use."""
    fixed = {CONN4_STEM: CONN4_LAYOUT, CONN6_STEM: CONN6_LAYOUT, LEDGER_STEM: LEDGER_LAYOUT}
    if stem in fixed:
        return fixed[stem]
    if stem.startswith(PROTO_PREFIX) and _is_month(stem[len(PROTO_PREFIX) :]):
        return PROTO_LAYOUT
    return None


def _is_month(text: str) -> bool:
    year, dash, month = text.partition("-")
    return dash == "-" and len(year) == 4 and len(month) == 2 and (year + month).isdigit()


def format_key(stem: str, key: tuple[Any, ...]) -> str:
    """A table key as a person reads it (for check reports and `db info`)."""
    layout = layout_for_stem(stem)
    if layout is CONN4_LAYOUT or layout is CONN6_LAYOUT:
        day, src, dst = key
        year, month, mday = decode_date(day)
        return f"{year:04d}-{month:02d}-{mday:02d} {format_address(src)} > {format_address(dst)}"
    if layout is PROTO_LAYOUT:
        second, name = key
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        label = name.rstrip(b"\0").decode("ascii", "replace")
        return f"{stamp}Z {label}"
    if layout is LEDGER_LAYOUT:
        head, length, prefix = key
        return f"file {head.hex()[:12]}… first {length} bytes (digest {prefix.hex()[:12]}…)"
    return repr(key)
