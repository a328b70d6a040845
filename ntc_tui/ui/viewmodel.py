"""Pure view models: session state and snapshots become the header, rows and texts on screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ntc_tui.aggregate import AVERAGE_WINDOWS, DirectionTotals, PairRow, Snapshot, SortMode
from ntc_tui.records import format_address
from ntc_tui.session import CaptureState, Session
from ntc_tui.ui import units
from ntc_tui.ui.palette import Attr
from ntc_tui.ui.units import Units

Markup = list[tuple[Attr, str]]  # text runs with their display attribute
Row = tuple[str, ...]

STATE_ATTRS = {
    CaptureState.STARTING: Attr.STATE_STARTING,
    CaptureState.RUNNING: Attr.STATE_RUNNING,
    CaptureState.STOPPED: Attr.STATE_STOPPED,
    CaptureState.ERROR: Attr.STATE_ERROR,
}
SORT_COLUMNS = {SortMode.BYTES: 2, SortMode.PACKETS: 3, SortMode.RATE: 4}
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
    elapsed: float
    coverage: float | None
    dropped: int
    paused: bool = False
    activity: str | None = None  # background work, e.g. an import's progress


def header_model(
    session: Session,
    snapshot: Snapshot,
    now: float,
    paused: bool = False,
    activity: str | None = None,
) -> HeaderModel:
    """The header of ``session`` at wall time ``now``."""
    end = session.stopped_at if session.stopped_at is not None else now
    return HeaderModel(
        interface=session.interface,
        addresses=session.addresses,
        state=session.state,
        error=session.error,
        replaying=session.replaying,
        persisting=session.persisting,
        data_dir=str(session.options.data_dir),
        flush_error=session.flush_error,
        elapsed=end - session.started_at,
        coverage=snapshot.coverage,
        dropped=snapshot.dropped,
        paused=paused,
        activity=activity,
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
        state = "file read"
    right1: Markup = [(STATE_ATTRS[model.state], f" {state} ")]
    if model.paused:
        right1.append((Attr.PAUSED, " PAUSED "))
    right1.append((Attr.HEADER, f" {units.duration(model.elapsed)} "))
    fixed = len(" ntc-tui ") + len(model.interface) + 2 + sum(len(text) for _, text in right1)
    left1: Markup = [
        (Attr.TITLE, " ntc-tui "),
        (Attr.HEADER, f" {model.interface} "),
        (Attr.HEADER, addresses_text(model.addresses, max(0, width - fixed - 1))),
    ]
    right2: Markup = []
    if model.activity:
        right2.append((Attr.HEADER, f"{model.activity} │ "))
    coverage = units.percent(model.coverage)
    right2.append((Attr.HEADER, f"coverage {coverage} │ dropped {units.count(model.dropped)} "))
    left2 = db_markup(model, width - sum(len(text) for _, text in right2) - 1)
    problems: list[Markup] = []
    if model.state is CaptureState.ERROR:
        problems.append([(Attr.STATE_ERROR, f" capture error: {model.error or 'unknown'} ")])
    if model.flush_error:
        problems.append([(Attr.STATE_ERROR, f" not saved: {model.flush_error} ")])
    return left1, right1, left2, right2, problems


def db_markup(model: HeaderModel, room: int) -> Markup:
    """DB persistence ON/OFF and the data directory, shortened in the middle to ``room``."""
    if model.persisting:
        label, before, after = (Attr.DB_ON, " DB ON "), " saving to ", ""
    else:
        label, before, after = (Attr.DB_OFF, " DB OFF "), " not saving (", ")"
    directory = fit(model.data_dir, max(8, room - len(label[1]) - len(before) - len(after)))
    return [label, (Attr.HEADER, f"{before}{directory}{after}")]


# --- traffic panels --------------------------------------------------------------------------

TOTALS_HEAD: Row = (
    "",
    "total",
    "packets",
    "now",
    *(f"avg {window}s" for window in AVERAGE_WINDOWS),
    "peak",
)


def totals_row(label: str, totals: DirectionTotals, unit: Units) -> Row:
    """IN or OUT: volume, packets, the last second's rate, the averages and the peak."""
    rates = totals.rates
    return (
        label,
        units.volume(totals.bytes, unit),
        units.short_count(totals.packets),
        units.rate(rates.current, unit),
        *(units.rate(value, unit) for value in rates.averages),
        units.rate(rates.peak, unit),
    )


def totals_rows(snapshot: Snapshot, unit: Units) -> list[Row]:
    """The IN and OUT rows of the totals panel."""
    return [totals_row("IN", snapshot.inbound, unit), totals_row("OUT", snapshot.outbound, unit)]


def pair_cells(row: PairRow, unit: Units) -> Row:
    """Source, destination, volume, packets, rate of one pair."""
    return (
        format_address(row.src),
        format_address(row.dst),
        units.volume(row.bytes, unit),
        units.short_count(row.packets),
        units.rate(row.rate, unit),
    )


def top_head(sort: SortMode) -> Row:
    """The top table's titles; the sorted column is marked."""
    titles = ["source", "destination", "volume", "packets", "rate"]
    column = SORT_COLUMNS[sort]
    titles[column] = f"▼{titles[column]}"
    return tuple(titles)


def busiest_lines(snapshot: Snapshot, unit: Units) -> list[tuple[str, Row | None]]:
    """The original's "Max activity": the busiest pair by volume and its reverse direction."""
    if snapshot.busiest is None:
        return [("max activity", None)]
    lines: list[tuple[str, Row | None]] = [("max activity", pair_cells(snapshot.busiest, unit))]
    reverse = snapshot.busiest_reverse
    lines.append(("reverse", pair_cells(reverse, unit) if reverse else None))
    return lines


PROTOCOL_HEAD: Row = ("protocol", "volume", "packets", "share")


def protocol_rows(snapshot: Snapshot, unit: Units) -> list[Row]:
    """The session's protocols, largest volume first."""
    return [
        (p.name, units.volume(p.bytes, unit), units.short_count(p.packets), f"{p.share:.1%}")
        for p in snapshot.protocols
    ]


def protocol_summary(snapshot: Snapshot) -> str:
    """The protocols on one line, for narrow screens: ``TCP 61.2%  UDP 30.1% ...``."""
    if not snapshot.protocols:
        return "no packets yet"
    return "  ".join(f"{p.name} {p.share:.1%}" for p in snapshot.protocols)


def scroll_status(offset: int, shown: int, total: int) -> str:
    """Which rows of how many are on screen, e.g. ``rows 11–20 of 152``."""
    if total == 0:
        return "no rows"
    last = min(total, offset + shown)
    return f"rows {offset + 1}–{last} of {units.count(total)}"
