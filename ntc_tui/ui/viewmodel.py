"""Pure view models: session state and snapshots become the header, rows and texts on screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ntc_tui.aggregate import (
    AVERAGE_WINDOWS,
    DirectionTotals,
    PairRow,
    ProtocolRow,
    Snapshot,
    SortMode,
)
from ntc_tui.records import format_address
from ntc_tui.session import CaptureState, DirectionSource, Session
from ntc_tui.ui import units
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units

Markup = list[tuple[Attr, str]]  # text runs with their display attribute
Row = tuple[str, ...]
Counts = Callable[[int], str]  # how the counts of one column are written

STATE_ATTRS = {
    CaptureState.STARTING: Attr.STATE_STARTING,
    CaptureState.RUNNING: Attr.STATE_RUNNING,
    CaptureState.STOPPED: Attr.STATE_STOPPED,
    CaptureState.ERROR: Attr.STATE_ERROR,
}
SORT_COLUMNS = {SortMode.BYTES: 2, SortMode.PACKETS: 3, SortMode.RATE: 4}
DIRECTION_NOTES = {  # where the addresses that decide IN and OUT come from, when not the NIC's
    DirectionSource.INTERFACE: None,
    DirectionSource.HOST_OPTION: "--host",
    DirectionSource.LOCAL_ADDRESSES: "local",
}
ELLIPSIS = "…"


@dataclass(frozen=True)
class HeaderModel:
    """What the header says about the session, whatever the screen."""

    interface: str
    addresses: tuple[str, ...]
    state: CaptureState
    error: str | None  # why the capture failed
    replaying: bool
    persisting: bool
    data_dir: str
    flush_error: str | None  # the last flush's failure (disk full ...)
    elapsed: float  # wall time live; the packets' own span when replaying a file
    coverage: float | None
    dropped: int  # the interface's own drop counters (rx + tx), not the capture's
    paused: bool = False
    activity: str | None = None  # background work, e.g. an import's progress
    span: tuple[float, float] | None = None  # a replay's first and last packet times
    utc: bool = False
    direction_note: str | None = None  # where the addresses came from: "--host", "local"


def header_model(
    session: Session,
    snapshot: Snapshot,
    now: float,
    paused: bool = False,
    activity: str | None = None,
) -> HeaderModel:
    """The header of ``session`` at wall time ``now``: a replay is timed by its packets."""
    span = None
    if session.replaying:
        if snapshot.first_ts is not None and snapshot.last_ts is not None:
            span = (snapshot.first_ts, snapshot.last_ts)
        elapsed = span[1] - span[0] if span else 0.0
    else:
        end = session.stopped_at if session.stopped_at is not None else now
        elapsed = end - session.started_at
    return HeaderModel(
        interface=session.interface,
        addresses=session.addresses,
        state=session.state,
        error=session.error,
        replaying=session.replaying,
        persisting=session.persisting,
        data_dir=str(session.options.data_dir),
        flush_error=session.flush_error,
        elapsed=elapsed,
        coverage=snapshot.coverage,
        dropped=snapshot.interface_dropped,
        paused=paused,
        activity=activity,
        span=span,
        utc=session.options.utc,
        direction_note=DIRECTION_NOTES[session.direction_source],
    )


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, the cut marked by an ellipsis in the middle."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = width // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def addresses_text(addresses: Sequence[str], room: int) -> str:
    """As many of the host's addresses as fit in ``room`` columns, then how many more."""
    shown: list[str] = []
    for index, address in enumerate(addresses):
        rest = len(addresses) - index - 1
        more = f" +{rest}" if rest else ""
        candidate = " ".join([*shown, address]) + more
        if len(candidate) > room:
            break
        shown.append(address)
    hidden = len(addresses) - len(shown)
    text = " ".join(shown)
    if hidden:
        text = f"{text} +{hidden}".strip()
    return text


def header_lines(
    model: HeaderModel, width: int
) -> tuple[Markup, Markup, Markup, Markup, list[Markup]]:
    """The header's lines: line 1 left and right, line 2 left and right, then problems."""
    state = model.state.value
    if model.state is CaptureState.STOPPED and model.replaying:
        state = "replay finished"
    right1: Markup = [(STATE_ATTRS[model.state], f" {state} ")]
    if model.paused:
        right1.append((Attr.PAUSED, " PAUSED "))
    clock = units.duration(model.elapsed)
    right1.append((Attr.HEADER, f" span {clock} " if model.replaying else f" {clock} "))
    note = f"{model.direction_note}: " if model.direction_note else ""
    fixed = len(" ntc-tui ") + len(model.interface) + 2 + len(note)
    fixed += sum(len(text) for _, text in right1)
    left1: Markup = [
        (Attr.TITLE, " ntc-tui "),
        (Attr.HEADER, f" {model.interface} {note}"),
        (Attr.HEADER, addresses_text(model.addresses, max(0, width - fixed - 1))),
    ]
    right2: Markup = []
    if model.activity:
        right2.append((Attr.HEADER, f"{model.activity} │ "))
    right2.append((Attr.HEADER, f"{measures_text(model)} "))
    left2 = db_markup(model, width - sum(len(text) for _, text in right2) - 1)
    problems: list[Markup] = []
    if model.state is CaptureState.ERROR:
        problems.append([(Attr.STATE_ERROR, f" capture error: {model.error or 'unknown'} ")])
    if model.flush_error:
        problems.append([(Attr.STATE_ERROR, f" not saved: {model.flush_error} ")])
    return left1, right1, left2, right2, problems


def measures_text(model: HeaderModel) -> str:
    """Live: how much of the interface's traffic was captured, and the interface's own drop
    counters; a replay: its first and last packet times (a file has neither of the others)."""
    if not model.replaying:
        coverage = units.percent(model.coverage)
        return f"coverage {coverage} │ if-drops {units.count(model.dropped)}"
    if model.span is None:
        return "no packets yet"
    first, last = model.span
    same_day = units.moment_text(first, model.utc)[:10] == units.moment_text(last, model.utc)[:10]
    write = units.clock_text if same_day else units.moment_text
    return f"packets {write(first, model.utc)} → {write(last, model.utc)}"


def db_markup(model: HeaderModel, room: int) -> Markup:
    """DB persistence ON/OFF and the data directory, shortened in the middle to ``room``."""
    if model.persisting:
        label, before, after = (Attr.DB_ON, " DB ON "), " saving to ", ""
    else:
        label, before, after = (Attr.DB_OFF, " DB OFF "), " not saving (", ")"
    directory = fit(model.data_dir, max(8, room - len(label[1]) - len(before) - len(after)))
    return [label, (Attr.HEADER, f"{before}{directory}{after}")]


# --- traffic panels --------------------------------------------------------------------------

COUNT_WIDTH = 7  # the packets columns: thousands separators up to 999,999
TOTALS_HEAD: Row = (
    "",
    "total",
    "packets",
    "now",
    *(f"avg {window}s" for window in AVERAGE_WINDOWS),
    "peak",
)


def totals_row(label: str, totals: DirectionTotals, unit: Units, counts: Counts) -> Row:
    """IN or OUT: volume, packets, the last second's rate, the averages and the peak."""
    rates = totals.rates
    return (
        label,
        units.volume(totals.bytes),
        counts(totals.packets),
        units.rate(rates.current, unit),
        *(units.rate(value, unit) for value in rates.averages),
        units.rate(rates.peak, unit),
    )


def totals_rows(snapshot: Snapshot, unit: Units) -> list[Row]:
    """The IN and OUT rows of the totals panel."""
    inbound, outbound = snapshot.inbound, snapshot.outbound
    counts = units.count_style(max(inbound.packets, outbound.packets), COUNT_WIDTH)
    return [
        totals_row("IN", inbound, unit, counts),
        totals_row("OUT", outbound, unit, counts),
    ]


def pair_cells(row: PairRow, unit: Units, counts: Counts) -> Row:
    """Source, destination, volume, packets, rate of one pair."""
    return (
        format_address(row.src),
        format_address(row.dst),
        units.volume(row.bytes),
        counts(row.packets),
        units.rate(row.rate, unit),
    )


def pair_extras(row: PairRow, session_bytes: int) -> Row:
    """The wide table's extra cells: the pair's share of the session's bytes, its mean packet."""
    share = units.percent(row.bytes / session_bytes) if session_bytes else ""
    mean = f"{row.bytes / row.packets:,.0f} B" if row.packets else ""
    return share, mean


def shown_pairs(snapshot: Snapshot, rows: int) -> list[PairRow]:
    """The pairs a panel of ``rows`` ranked rows shows: max activity, its reverse, the ranking."""
    extremes = [row for row in (snapshot.busiest, snapshot.busiest_reverse) if row is not None]
    return extremes + list(snapshot.top[:rows])


def pair_counts(pairs: Sequence[PairRow], width: int) -> Counts:
    """One way of writing the packets of all ``pairs`` (one column)."""
    return units.count_style(max((row.packets for row in pairs), default=0), width)


def top_head(sort: SortMode) -> Row:
    """The top table's titles; the sorted column is marked."""
    titles = ["source", "destination", "volume", "packets", "rate"]
    column = SORT_COLUMNS[sort]
    titles[column] = f"▼{titles[column]}"
    return tuple(titles)


PROTOCOL_HEAD: Row = ("protocol", "volume", "packets", "share")


def protocol_rows(snapshot: Snapshot, limit: int) -> list[Row]:
    """The session's protocols, largest volume first, at most ``limit`` rows: when there are
    more, the last row sums up the rest (``+3 more``)."""
    protocols = list(snapshot.protocols)
    if len(protocols) > limit >= 1:
        kept, rest = protocols[: limit - 1], protocols[limit - 1 :]
        summed = ProtocolRow(
            f"+{len(rest)} more",
            sum(p.bytes for p in rest),
            sum(p.packets for p in rest),
            sum(p.share for p in rest),
        )
        protocols = [*kept, summed]
    protocols = protocols[:limit]
    counts = units.count_style(max((p.packets for p in protocols), default=0), COUNT_WIDTH)
    return [
        (p.name, units.volume(p.bytes), counts(p.packets), units.percent(p.share))
        for p in protocols
    ]


def scroll_status(offset: int, shown: int, total: int) -> str:
    """Which rows of how many are on screen, e.g. ``rows 11–20 of 152``."""
    if total == 0:
        return "no rows"
    last = min(total, offset + shown)
    return f"rows {offset + 1}–{last} of {units.count(total)}"
