"""Clocks: the last nanosecond of a second, days of time-of-day files continued after midnight,
local times in the hour the end of daylight saving time repeats."""

from __future__ import annotations

import datetime
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntc_tui.capture.tcpdump_chunks import ChunkReader, detect_flavour
from ntc_tui.importer import ImportOptions, ImportProgress, run_import, textfile
from ntc_tui.records import DayCalendar, encode_date
from ntc_tui.store import Store
from tests.capture.kinds import every_kind
from tests.capture.reference import reference_records
from tests.importer.conftest import Totals, import_paths, stored, tallied
from tests.importer.threads import in_other_thread
from tests.support import pcapgen

BERLIN = "Europe/Berlin"
FALL_BACK = 1_761_440_400  # 2025-10-26 01:00 UTC: Berlin's clocks go from 03:00 back to 02:00
FRAMES = [frame for name, frame in every_kind() if name in ("tcp4", "udp6", "icmp4", "lldp")]


def _render(pcap: Path, flags: list[str], out: Path, zone: str = "UTC") -> Path:
    """tcpdump's text of ``pcap`` with its local clock in ``zone``."""
    with out.open("wb") as text:
        subprocess.run(
            ["tcpdump", "-r", str(pcap), *flags],
            stdout=text,
            stderr=subprocess.DEVNULL,
            check=True,
            env={**os.environ, "TZ": zone},
        )
    return out


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Berlin's in this process (and in the import's workers)."""
    monkeypatch.setenv("TZ", BERLIN)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _clean(text: Path, tmp_path: Path, date: datetime.date | None, utc: bool = True) -> Totals:
    with Store.open(tmp_path / "clean-db", writer=True) as clean:
        summary = import_paths(clean, text, date=date, utc=utc)
        assert summary.exit_code() == 0, summary.as_json()
        return stored(clean)


# --- the last nanosecond -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def last_nanoseconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A nanosecond pcap whose packets are at x.999999999, the last just before UTC midnight."""
    midnight = 1_760_054_400  # 2025-10-10 00:00 UTC
    seconds = [midnight - 3, midnight - 2, midnight - 1]
    stamped = [(second, 999_999_999, frame) for second in seconds for frame in FRAMES]
    path = tmp_path_factory.mktemp("nano") / "nano.pcap"
    pcapgen.write_pcap_stamped(path, stamped, nanoseconds=True)
    return path


def _seconds_and_days(totals: Totals) -> tuple[set[int], set[int]]:
    cells, pairs = totals
    return {second for second, _ in cells}, {day for day, _, _ in pairs}


@pytest.mark.parametrize(
    "flags",
    [
        ["--nano", "-tt", "-e", "-n"],
        ["--nano", "-tt", "-v", "-n"],
        ["--nano", "-tt", "-n"],
        ["--nano", "-tttt", "-e", "-n"],
        ["--nano", "-e", "-v", "-n"],  # time of day, with --date
    ],
)
def test_a_packet_at_the_last_nanosecond_counts_in_its_own_second(
    flags: list[str], last_nanoseconds: Path, store: Store, tmp_path: Path
) -> None:
    text = _render(last_nanoseconds, flags, tmp_path / "nano.txt")
    assert ".999999999 " in text.read_text()
    date = datetime.date(2025, 10, 9) if "-tt" not in flags and "-tttt" not in flags else None
    summary = import_paths(store, text, date=date)
    assert summary.exit_code() == 0
    seconds, days = _seconds_and_days(stored(store))
    assert seconds == {1_760_054_397, 1_760_054_398, 1_760_054_399}
    assert days == {encode_date(2025, 10, 9)}  # never the next day


def test_a_capture_at_the_last_nanosecond_counts_in_its_own_second(
    last_nanoseconds: Path, store: Store
) -> None:
    import_paths(store, last_nanoseconds)
    seconds, days = _seconds_and_days(stored(store))
    assert seconds == {1_760_054_397, 1_760_054_398, 1_760_054_399}
    assert days == {encode_date(2025, 10, 9)}


# --- time of day continued after midnight --------------------------------------------------------


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A pcap of a packet every 20 minutes over two midnights (UTC), and its time-of-day text."""
    start = 1_760_047_200  # 2025-10-09 22:00 UTC
    packets = [(start + i * 1200.0 + 0.5, FRAMES[i % len(FRAMES)]) for i in range(150)]
    folder = tmp_path_factory.mktemp("days")
    pcap = folder / "days.pcap"
    pcapgen.write_pcap(pcap, packets)
    return pcap, _render(pcap, ["-e", "-n"], folder / "days.txt")


def _line_start(content: bytes, clock: bytes) -> int:
    return content.index(b"\n" + clock) + 1


@pytest.mark.parametrize(
    ("cut_at", "crossed"),
    [(b"23:40:00", "no midnight"), (b"13:00:00", "one midnight")],
)
def test_a_time_of_day_file_continued_after_midnight_dates_its_packets_as_one_import(
    cut_at: bytes, crossed: str, three_days: tuple[Path, Path], store: Store, tmp_path: Path
) -> None:
    pcap, text = three_days
    date = datetime.date(2025, 10, 9)
    content = text.read_bytes()
    cut = _line_start(content, cut_at)
    if crossed == "one midnight":
        cut = content.index(b"\n" + cut_at, cut) + 1  # the second day's
    growing = tmp_path / "growing.txt"
    growing.write_bytes(content[:cut])
    first = import_paths(store, growing, date=date)
    assert first.exit_code() == 0
    growing.write_bytes(content)
    second = import_paths(store, growing, date=date)
    assert second.files[0].status == "continued"
    assert first.packets + second.packets == 150
    assert stored(store) == _clean(text, tmp_path, date) == tallied(reference_records(pcap))


@pytest.mark.parametrize("stop_at", [20, 90])
def test_a_cancelled_time_of_day_import_continues_on_the_right_day(
    stop_at: int,
    three_days: tuple[Path, Path],
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pcap, text = three_days
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 1 << 10)  # batches of a few packets
    monkeypatch.setattr(textfile, "BATCH_BYTES", 2 << 10)
    cancel = threading.Event()

    def progress(state: ImportProgress) -> None:
        if state.packets >= stop_at:
            cancel.set()

    options = ImportOptions(date=datetime.date(2025, 10, 9), utc=True)
    first = run_import([text], store, options, progress, cancel)
    assert first.cancelled and 0 < first.packets < 150
    second = run_import([text], store, options)
    assert first.packets + second.packets == 150
    assert stored(store) == tallied(reference_records(pcap))


# --- the hour the end of daylight saving time repeats --------------------------------------------


@pytest.fixture(scope="module")
def fall_back(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Packets every 5 s from 01:50 CEST through the repeated hour to 03:10 CET."""
    start = FALL_BACK - 4200
    packets = [(start + i * 5 + 0.25, FRAMES[i % len(FRAMES)]) for i in range(1700)]
    path = tmp_path_factory.mktemp("dst") / "fall-back.pcap"
    pcapgen.write_pcap(path, packets)
    return path


@pytest.mark.parametrize(
    ("flags", "date"),
    [
        (["-tttt", "-e", "-n"], None),
        (["-tttt", "-e", "-v", "-n"], None),
        (["-e", "-n"], datetime.date(2025, 10, 26)),  # time of day
    ],
)
@pytest.mark.parametrize("workers", [True, False])
@pytest.mark.parametrize("piece_bytes", [4 << 10, 48 << 10])  # 2 and 30 minutes of lines
def test_the_repeated_hour_of_the_end_of_summer_time_is_placed_by_line_order(
    flags: list[str],
    date: datetime.date | None,
    workers: bool,
    piece_bytes: int,
    fall_back: Path,
    berlin: None,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _render(fall_back, flags, tmp_path / "fall-back.txt", zone=BERLIN)
    assert text.read_text().count("02:30:00.250000") == 2  # the hour is shown twice
    assert text.stat().st_size > 3 * piece_bytes
    monkeypatch.setattr(textfile, "CHUNK_BYTES", piece_bytes)  # pieces begin inside the hour
    options = ImportOptions(date=date)

    def work() -> None:
        summary = run_import([text], store, options)
        assert summary.exit_code() == 0, summary.as_json()

    if workers:
        work()
    else:  # the importer counts in its own thread, not in workers, from any but the main one
        in_other_thread(work)
    assert stored(store) == tallied(reference_records(fall_back), utc=False)


def test_pieces_in_the_repeated_hour_are_kept_to_line_order(
    fall_back: Path, berlin: None, tmp_path: Path
) -> None:
    """A worker counting a piece of the second pass on its own could not tell it from the first:
    such pieces are counted in line order, in the importer's own process."""
    lines = _render(fall_back, ["-tttt", "-e", "-n"], tmp_path / "f.txt", BERLIN).read_bytes()
    rows = lines.splitlines(keepends=True)
    first_pass = rows.index(next(row for row in rows if row.startswith(b"2025-10-26 02:10:00")))
    second_pass = rows.index(
        next(row for row in rows[first_pass + 1 :] if row.startswith(b"2025-10-26 02:10:00"))
    )
    before = b"".join(rows[:100])  # 01:50-01:58 CEST
    after = b"".join(rows[-100:])  # 03:02-03:10 CET
    reader = ChunkReader(detect_flavour(lines, None).flavour, DayCalendar(False))
    assert not reader.needs_line_order(before) and not reader.needs_line_order(after)
    for start in (first_pass, second_pass, first_pass - 200):  # inside, and into the hour
        assert reader.needs_line_order(b"".join(rows[start : start + 100]))
    alone = ChunkReader(reader.flavour, DayCalendar(False)).read(
        b"".join(rows[second_pass : second_pass + 100]), 1
    )
    assert min(record.ts for record in alone.records) < FALL_BACK  # placed in the first pass
