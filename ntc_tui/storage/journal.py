"""The batch journal: page after-images, file removals and renames, written whole or not at all."""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ntc_tui.storage.errors import CorruptError
from ntc_tui.storage.fileops import FileOps, Handle
from ntc_tui.storage.layout import PAGE_SIZE

JOURNAL_NAME = "ntc-tui.journal"
JOURNAL_TMP_NAME = "ntc-tui.journal.tmp"
HEADER = struct.Struct("<8sII")  # magic, number of operations, reserved zero
FOOTER = struct.Struct("<QI8s")  # bytes before the footer, crc32 of them, end magic
MAGIC = b"NTCJRNL1"
END_MAGIC = b"NTCJEND1"
PAGE_OP = struct.Struct("<cB")  # kind, length of the file name that follows
PAGE_NUMBER = struct.Struct("<I")
CHUNK = 1 << 20  # bytes handed to one write


@dataclass
class Journal:
    """One committed batch: removals first, then renames, then page images (in that order)."""

    drops: list[str] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)
    pages: dict[str, dict[int, bytes]] = field(default_factory=dict)

    def operations(self) -> int:
        return len(self.drops) + len(self.renames) + sum(map(len, self.pages.values()))

    def empty(self) -> bool:
        return not self.operations()


def _name(name: str) -> bytes:
    raw = name.encode()
    if len(raw) > 255:
        raise ValueError(f"file name too long for the journal: {name!r}")
    return bytes([len(raw)]) + raw


def encode(journal: Journal) -> Iterator[bytes]:
    """The journal's bytes, in chunks of about a megabyte."""
    crc = 0
    length = 0
    buffer: list[bytes] = []
    size = 0

    def pieces() -> Iterator[bytes]:
        yield HEADER.pack(MAGIC, journal.operations(), 0)
        for name in journal.drops:
            yield b"D" + _name(name)
        for source, target in journal.renames:
            yield b"R" + _name(source) + _name(target)
        for name, pages in journal.pages.items():
            prefix = b"P" + _name(name)
            for number in sorted(pages):
                image = pages[number]
                if len(image) != PAGE_SIZE:
                    raise ValueError("a journal page image must be one page")
                yield prefix + PAGE_NUMBER.pack(number)
                yield image

    for piece in pieces():
        crc = zlib.crc32(piece, crc)
        length += len(piece)
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    buffer.append(FOOTER.pack(length, crc, END_MAGIC))
    yield b"".join(buffer)


def decode(raw: bytes) -> Journal:
    """A journal from its bytes; CorruptError if it is incomplete or damaged."""
    where = f"{JOURNAL_NAME}: damaged or incomplete batch journal"
    if len(raw) < HEADER.size + FOOTER.size:
        raise CorruptError(f"{where} ({len(raw)} bytes)")
    length, crc, end = FOOTER.unpack_from(raw, len(raw) - FOOTER.size)
    body = memoryview(raw)[: len(raw) - FOOTER.size]
    if end != END_MAGIC or length != len(body) or crc != zlib.crc32(body):
        raise CorruptError(f"{where} (bad end marker, length or checksum)")
    magic, operations, _ = HEADER.unpack_from(raw, 0)
    if magic != MAGIC:
        raise CorruptError(f"{where} (unknown format)")
    journal = Journal()
    position = HEADER.size
    try:
        for _ in range(operations):
            kind = raw[position : position + 1]
            name, position = _read_name(raw, position + 1)
            if kind == b"D":
                journal.drops.append(name)
            elif kind == b"R":
                target, position = _read_name(raw, position)
                journal.renames.append((name, target))
            elif kind == b"P":
                (number,) = PAGE_NUMBER.unpack_from(raw, position)
                position += PAGE_NUMBER.size
                image = raw[position : position + PAGE_SIZE]
                if len(image) != PAGE_SIZE or number < 1:
                    raise CorruptError(f"{where} (bad page image)")
                journal.pages.setdefault(name, {})[number] = image
                position += PAGE_SIZE
            else:
                raise CorruptError(f"{where} (unknown operation)")
    except (struct.error, UnicodeDecodeError, IndexError):
        raise CorruptError(f"{where} (truncated operation)") from None
    if position != len(body):
        raise CorruptError(f"{where} (trailing bytes)")
    return journal


def _read_name(raw: bytes, position: int) -> tuple[str, int]:
    size = raw[position]
    name = raw[position + 1 : position + 1 + size].decode()
    if len(name.encode()) != size or not name or "/" in name or name in (".", ".."):
        raise CorruptError(f"{JOURNAL_NAME}: damaged batch journal (bad file name)")
    return name, position + 1 + size


def read_journal(fileops: FileOps, directory: Path) -> Journal | None:
    """The committed batch left in ``directory``, or None (CorruptError if it is damaged)."""
    path = directory / JOURNAL_NAME
    try:
        handle = fileops.open(path)
    except FileNotFoundError:
        return None
    try:
        raw = fileops.pread(handle, fileops.size(handle), 0)
    finally:
        fileops.close(handle)
    return decode(raw)


def write_journal(fileops: FileOps, directory: Path, journal: Journal) -> None:
    """Write ``journal`` whole and durably to a temporary file, then rename it into place.

    The caller makes the rename durable (fsync of the directory): that is the commit point.
    On failure nothing is left behind and the previous journal, if any, is untouched.
    """
    temporary = directory / JOURNAL_TMP_NAME
    try:
        handle = fileops.open(temporary, write=True, create=True)
        try:
            fileops.truncate(handle, 0)
            offset = 0
            for chunk in encode(journal):
                fileops.pwrite(handle, chunk, offset)
                offset += len(chunk)
            fileops.fsync(handle, "journal")
        finally:
            fileops.close(handle)
        fileops.rename(temporary, directory / JOURNAL_NAME)
    except OSError:
        _quietly(fileops.unlink, temporary)
        raise


def apply_journal(fileops: FileOps, directory: Path, dir_handle: Handle, journal: Journal) -> None:
    """Carry out a committed journal in place, make that durable, then retire the journal.

    Idempotent: after a crash at any point, applying the same journal again gives the same files.
    """
    dir_changed = False
    for name in journal.drops:
        if fileops.exists(directory / name):
            fileops.unlink(directory / name)
            dir_changed = True
    for source, target in journal.renames:
        if fileops.exists(directory / source):
            fileops.rename(directory / source, directory / target)
            dir_changed = True
    for name, pages in journal.pages.items():
        path = directory / name
        dir_changed = dir_changed or not fileops.exists(path)
        handle = fileops.open(path, write=True, create=True)
        try:
            for number in sorted(pages):
                fileops.pwrite(handle, pages[number], (number - 1) * PAGE_SIZE)
            fileops.fsync(handle, "apply")
        finally:
            fileops.close(handle)
    if dir_changed:
        fileops.fsync_dir(dir_handle, "apply-dir")
    fileops.unlink(directory / JOURNAL_NAME)


def _quietly(operation: Callable[[Path], None], path: Path) -> None:
    with contextlib.suppress(OSError):
        operation(path)
