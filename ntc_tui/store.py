"""The data directory of ntc-tui: its tables (SPEC §5.1–5.3), the import ledger, atomic batches."""

from __future__ import annotations

import functools
import os
import stat
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from ntc_tui.errors import NtcError, StoreUnusableError, UsageError
from ntc_tui.records import PROTO_NAME_MAX, Address, decode_date, format_address
from ntc_tui.storage import CorruptError, DataDir, LockedError, StorageError, StorageFullError
from ntc_tui.storage.datadir import unusable_error
from ntc_tui.storage.layout import Layout

CONN4_STEM = "ntc"  # SPEC §5.1, the original's ntc.db / ntc.idx
CONN6_STEM = "ntc6"  # SPEC §5.2
LEDGER_STEM = "ledger"  # which imported file contents are already counted (SPEC §6)
PROTO_PREFIX = "proto-"  # SPEC §5.3, one table per UTC month: proto-YYYY-MM

CONN4_LAYOUT = Layout("<III")  # date, src, dst
CONN6_LAYOUT = Layout("<I16s16s")  # date, src, dst
PROTO_LAYOUT = Layout("<I8s")  # epoch second, protocol name NUL-padded
LEDGER_LAYOUT = Layout("<16sQ16s")  # head digest, imported length, digest of the imported prefix
DIGEST_SIZE = 16
U32_MAX = 2**32 - 1
Item = tuple[tuple[Any, ...], int, int]  # key, vol, packs: a row for the engine


class ConnectionRow(NamedTuple):
    """Bytes and packets of one (day, source, destination) in the connection stores."""

    day: int
    src: Address
    dst: Address
    bytes: int
    packets: int


class ProtocolCell(NamedTuple):
    """Bytes and packets of one protocol in one epoch second."""

    second: int
    proto: str
    bytes: int
    packets: int


@dataclass(frozen=True)
class LedgerEntry:
    """An imported content prefix: digest of its first bytes, length, full digest, what it held."""

    head: bytes  # digest of the content's first bytes (the importer decides how many)
    length: int  # bytes of (decompressed) content counted
    prefix: bytes  # digest of those ``length`` bytes
    traffic_bytes: int = 0
    packets: int = 0


@dataclass
class Batch:
    """One atomic update of the data directory: counts to add and ledger entries to record."""

    pairs: Mapping[tuple[int, Address, Address], Sequence[int]] = field(default_factory=dict)
    proto_cells: Mapping[tuple[int, str], Sequence[int]] = field(default_factory=dict)
    ledger: Sequence[LedgerEntry] = ()


_connection_row = functools.partial(tuple.__new__, ConnectionRow)  # from a stored record


class StoreWriteError(NtcError):
    """A batch could not be written (disk full, I/O error); nothing of it was applied."""


def default_data_dir() -> Path:
    """/var/lib/ntc-tui for root, else ${XDG_DATA_HOME:-~/.local/share}/ntc-tui (SPEC §2)."""
    if os.geteuid() == 0:
        return Path("/var/lib/ntc-tui")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ntc-tui"


def data_dir_exists(path: Path) -> bool:
    """Whether the data directory exists (False: nothing stored yet).

    UsageError if ``path`` names something else than a directory; StoreUnusableError if it
    cannot be looked at (a parent directory this user may not enter).
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        raise UsageError(f"{path} is not a directory; give the data directory") from None
    except OSError as error:
        raise StoreUnusableError(str(unusable_error(path, error))) from None
    if not stat.S_ISDIR(mode):
        raise UsageError(f"{path} is not a directory; give the data directory")
    return True


def proto_stem(second: int) -> str:
    """The protocol table that holds an epoch second: one per UTC month."""
    return _proto_stem_of_day(second // 86400)


@functools.lru_cache(maxsize=64)
def _proto_stem_of_day(day: int) -> str:
    tm = time.gmtime(day * 86400)
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


def _proto_key(second: int, proto: str) -> tuple[int, bytes]:
    """The stored key of a protocol cell; ValueError unless the name is 1-8 ASCII characters."""
    if not 1 <= len(proto) <= PROTO_NAME_MAX or not proto.isascii() or "\0" in proto:
        raise ValueError(f"a protocol name is 1 to {PROTO_NAME_MAX} ASCII characters: {proto!r}")
    return second, proto.encode("ascii").ljust(PROTO_NAME_MAX, b"\0")


def _counters(key: object, counts: Sequence[int]) -> tuple[int, int]:
    """vol and packs of a batch entry; ValueError unless they are two counts >= 0."""
    vol, packs = counts
    if not (isinstance(vol, int) and isinstance(packs, int) and vol >= 0 and packs >= 0):
        raise ValueError(f"counts must be two integers >= 0: {key!r} {counts!r}")
    return vol, packs


def _connection_items(
    pairs: Mapping[tuple[int, Address, Address], Sequence[int]],
) -> tuple[list[Item], list[Item]]:
    """The IPv4 and the IPv6 rows of a batch; ValueError for a key that is neither."""
    v4: list[Item] = []
    v6: list[Item] = []
    for key, counts in pairs.items():
        day, src, dst = key
        vol, packs = _counters(key, counts)
        if not isinstance(day, int) or not 0 <= day <= U32_MAX:
            raise ValueError(f"not a date code: {key!r}")
        if isinstance(src, int) and isinstance(dst, int):
            if not (0 <= src <= U32_MAX and 0 <= dst <= U32_MAX):
                raise ValueError(f"not IPv4 addresses: {key!r}")
            v4.append((key, vol, packs))
        elif isinstance(src, bytes) and isinstance(dst, bytes) and len(src) == len(dst) == 16:
            v6.append((key, vol, packs))
        else:
            raise ValueError(f"not an IPv4 or an IPv6 address pair: {key!r}")
    return v4, v6


class Store:
    """An open data directory: one writer per directory, any number of readers.

    Thread-safe: the dashboard's import worker and its main thread share one writer.
    """

    def __init__(self, path: Path, datadir: DataDir | None) -> None:
        self.path = path
        self._datadir = datadir  # None: a reader of a directory that does not exist (empty)
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path, *, writer: bool) -> Store:
        """Open ``path`` as its one writer (created if missing) or as a reader.

        UsageError if ``path`` is not a directory; StoreUnusableError if it cannot be used.
        """
        if not data_dir_exists(path) and not writer:
            return cls(path, None)
        try:
            return cls(path, DataDir.open(path, writer=writer, create=writer))
        except LockedError as error:
            raise StoreUnusableError(
                f"{error}; only one program may write to {path} at a time"
            ) from None
        except CorruptError as error:
            raise StoreUnusableError(f"{error} (in {path})") from None
        except StorageError as error:
            raise StoreUnusableError(str(error)) from None

    def close(self) -> None:
        """Release the directory's locks."""
        with self._lock:
            if self._datadir is not None:
                self._datadir.close()
                self._datadir = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Add a batch atomically: all of it reaches the disk, or (StoreWriteError) none of it."""
        with self._lock:
            self._apply(self._require_datadir(), batch)

    def _apply(self, datadir: DataDir, batch: Batch) -> None:
        staged = self._items(batch)  # ValueError for a bad key or count, before anything is staged
        try:
            for stem, (layout, items) in staged.items():
                if items:
                    datadir.table(stem, layout).upsert_many(items)
            datadir.commit()
        except StorageFullError as error:
            datadir.rollback()
            raise StoreWriteError(f"disk full, nothing written ({error}); will retry") from None
        except CorruptError as error:
            datadir.rollback()
            raise StoreUnusableError(f"{error} (in {self.path})") from None
        except (StorageError, OSError) as error:
            datadir.rollback()
            raise StoreWriteError(f"cannot write to {self.path}: {error}") from None
        except BaseException:
            datadir.rollback()  # nothing of a failed batch may ride along with the next one
            raise

    @staticmethod
    def _items(batch: Batch) -> dict[str, tuple[Layout, list[Item]]]:
        """The rows of a batch by table, checked: ValueError for a key or count not storable."""
        v4, v6 = _connection_items(batch.pairs)
        staged: dict[str, tuple[Layout, list[Item]]] = {
            CONN4_STEM: (CONN4_LAYOUT, v4),
            CONN6_STEM: (CONN6_LAYOUT, v6),
        }
        for (second, proto), counts in batch.proto_cells.items():
            if not isinstance(second, int) or not 0 <= second <= U32_MAX:
                raise ValueError(f"not an epoch second: {second!r}")
            item = (_proto_key(second, proto), *_counters((second, proto), counts))
            staged.setdefault(proto_stem(second), (PROTO_LAYOUT, []))[1].append(item)
        ledger = staged.setdefault(LEDGER_STEM, (LEDGER_LAYOUT, []))[1]
        for entry in batch.ledger:
            key = (entry.head, entry.length, entry.prefix)
            if len(entry.head) != DIGEST_SIZE or len(entry.prefix) != DIGEST_SIZE:
                raise ValueError(f"a ledger digest is {DIGEST_SIZE} bytes: {entry!r}")
            if not 0 <= entry.length < 2**64:
                raise ValueError(f"not a content length: {entry!r}")
            ledger.append((key, *_counters(key, (entry.traffic_bytes, entry.packets))))
        return staged

    def drop_protocol_months(self, before: str) -> list[str]:
        """Delete the protocol tables of months before ``before`` (YYYY-MM); returns their names."""
        with self._lock:
            return self._drop_months(self._require_datadir(), before)

    @staticmethod
    def _drop_months(datadir: DataDir, before: str) -> list[str]:
        dropped = [
            stem
            for stem in datadir.stems()
            if layout_for_stem(stem) is PROTO_LAYOUT and stem[len(PROTO_PREFIX) :] < before
        ]
        for stem in dropped:
            datadir.drop_table(stem)
        return dropped

    # --- reading ---------------------------------------------------------------------------------

    def connections(
        self, first_day: int | None = None, last_day: int | None = None
    ) -> Iterator[ConnectionRow]:
        """Connection rows with first_day <= day <= last_day: IPv4 then IPv6, each in key order."""
        lo = None if first_day is None else (first_day,)
        hi = None if last_day is None else (last_day + 1,)
        for stem, layout in ((CONN4_STEM, CONN4_LAYOUT), (CONN6_STEM, CONN6_LAYOUT)):
            for records in self._scan(stem, layout, lo, hi):  # (day, src, dst, vol, packs)
                yield from map(_connection_row, records)

    def protocol_cells(
        self, first_second: int | None = None, last_second: int | None = None
    ) -> Iterator[ProtocolCell]:
        """Per-second protocol cells with first_second <= second <= last_second, by time."""
        lo = None if first_second is None else (first_second,)
        hi = None if last_second is None else (last_second + 1,)
        first_stem = None if first_second is None else proto_stem(first_second)
        last_stem = None if last_second is None else proto_stem(last_second)
        for stem in sorted(self.stems()):
            if layout_for_stem(stem) is not PROTO_LAYOUT:
                continue
            if (first_stem and stem < first_stem) or (last_stem and stem > last_stem):
                continue
            for records in self._scan(stem, PROTO_LAYOUT, lo, hi):
                for second, name, vol, packs in records:
                    yield ProtocolCell(
                        second, name.rstrip(b"\0").decode("ascii", "replace"), vol, packs
                    )

    def ledger_entries(self, head: bytes) -> list[LedgerEntry]:
        """Every imported prefix of contents whose first bytes have digest ``head``."""
        chunks = self._scan(LEDGER_STEM, LEDGER_LAYOUT, (head,), (head, 2**64))
        return [LedgerEntry(*record) for records in chunks for record in records]

    def stems(self) -> list[str]:
        """Names of the tables present in the directory."""
        return [] if self._datadir is None else self._datadir.stems()

    def _scan(
        self, stem: str, layout: Layout, lo: tuple[Any, ...] | None, hi: tuple[Any, ...] | None
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The table's records (key fields..., vol, packs) in key order, a list at a time."""
        with self._lock:
            try:
                if self._datadir is None or stem not in self._datadir.stems():
                    return
                yield from self._datadir.table(stem, layout).scan_records(lo, hi)
            except StorageError as error:
                raise StoreUnusableError(f"{error} (in {self.path})") from None

    def _require_datadir(self) -> DataDir:
        if self._datadir is None:
            raise StoreUnusableError(f"{self.path} is not open for writing")
        return self._datadir
