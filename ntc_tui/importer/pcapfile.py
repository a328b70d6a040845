"""Imports a pcap or pcapng file through the capture FileSource (tshark), all of it in one batch."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ntc_tui.capture.content import GZIP, Content, ContentStream
from ntc_tui.capture.tshark import file_source
from ntc_tui.importer.ledger import Position
from ntc_tui.importer.pending import Pending
from ntc_tui.records import DayCalendar, PacketRecord
from ntc_tui.store import Store


@dataclass
class CaptureResult:
    """What reading a capture file did."""

    packets: int = 0
    bytes: int = 0
    cancelled: bool = False


def import_capture(
    path: Path,
    content: Content,
    stream: ContentStream,
    position: Position,
    buffered: bytes,
    store: Store,
    calendar: DayCalendar,
    progress: Callable[[int], None],
    cancel: threading.Event,
) -> CaptureResult:
    """Count the packets of the capture after the ``position.packets`` already counted, and
    commit them with the ledger entry of the whole content; nothing when cancelled. ``stream``
    is positioned after ``buffered``, the content read past ``position``.

    tshark reads the file itself (gzip too); bzip2 and xz are decompressed to a temporary file.
    Raises NtcError if tshark cannot read it."""
    result = CaptureResult()
    skip = position.packets
    pending = Pending(calendar)

    def emit(records: list[PacketRecord]) -> None:
        nonlocal skip
        if skip:
            taken = min(skip, len(records))
            skip -= taken
            records = records[taken:]
        pending.add_records(records)
        progress(pending.packets)

    counted = position.offset
    with _readable_by_tshark(path, content, stream, position, buffered) as readable:
        if position.offset == counted:
            return result  # nothing after the counted prefix
        file_source(readable).run(emit, cancel)
    if cancel.is_set():
        result.cancelled = True
        return result
    position.packets += pending.packets
    position.traffic_bytes += pending.bytes
    result.packets, result.bytes = pending.packets, pending.bytes
    pending.commit(store, position)
    return result


@contextmanager
def _readable_by_tshark(
    path: Path, content: Content, stream: ContentStream, position: Position, buffered: bytes
) -> Iterator[Path]:
    """A path tshark can read, while the rest of the content is read into ``position``'s
    digest (the ledger entry then covers the whole content)."""
    if content.compression in (None, GZIP):
        _digest_rest(stream, position, buffered)
        yield path
        return
    _digest_rest(stream, position, buffered)
    with tempfile.TemporaryDirectory(prefix="ntc-tui-import-") as folder:
        copy = Path(folder) / f"capture.{content.kind}"
        with copy.open("wb") as out, ContentStream(path, content.compression) as again:
            while data := again.read():
                out.write(data)
        yield copy


def _digest_rest(stream: ContentStream, position: Position, buffered: bytes) -> None:
    """Read the content to its end into the digest of ``position``."""
    data = buffered or stream.read()
    while data:
        position.digest.update(data)
        position.offset += len(data)
        data = stream.read()
