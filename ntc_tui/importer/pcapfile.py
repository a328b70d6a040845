"""Imports a pcap or pcapng file through the capture FileSource (tshark), all of it in one batch."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ntc_tui.capture.content import GZIP, READ_SIZE, Content, ContentStream
from ntc_tui.capture.tshark import file_source
from ntc_tui.errors import NtcError
from ntc_tui.importer.capture_layout import RecordWalker
from ntc_tui.importer.ledger import Position
from ntc_tui.importer.model import FileSummary
from ntc_tui.importer.pending import Outbox, Pending
from ntc_tui.records import PacketRecord

TRUNCATED_PACKET = "truncated last packet"
DAMAGED_RECORD = "damaged record (the rest of the capture cannot be read)"


@dataclass
class CaptureResult:
    """What reading a capture file did; ``cut``: the content ends inside a record (a capture
    still being written), and only the packets before it were counted; ``damage``: tshark's
    words for a record header that cannot be right, the packets before it counted."""

    packets: int = 0
    bytes: int = 0
    cancelled: bool = False
    cut: bool = False
    damage: str = ""


def import_capture(
    path: Path,
    content: Content,
    stream: ContentStream,
    position: Position,
    buffered: bytes,
    outbox: Outbox,
    file: FileSummary,
    progress: Callable[[int, int], None],
    cancel: threading.Event,
) -> CaptureResult:
    """Count the packets of the capture after the ``position.packets`` already counted, and
    queue them in ``outbox`` (for ``file``) with the ledger entry of the whole content; nothing
    when cancelled. A capture cut in the middle of a packet is counted up to the cut and
    recorded as that prefix, so that the grown file continues there; one damaged in the middle
    is counted up to the damage and recorded whole (judged once, like garbage in text).
    ``stream`` is positioned after ``buffered``, the content read past ``position``;
    ``progress`` gets (content bytes done, packets counted).

    tshark reads the file itself (gzip too); bzip2 and xz are decompressed to a temporary file.
    Raises NtcError if tshark cannot read it."""
    result = CaptureResult()
    skip = position.packets
    pending = Pending(outbox.calendar)
    walker = RecordWalker(content.first_bytes, position.offset)
    counted_offset, counted_digest = position.offset, position.digest.copy()

    def emit(records: list[PacketRecord]) -> None:
        nonlocal skip
        if skip:
            taken = min(skip, len(records))
            skip -= taken
            records = records[taken:]
        pending.add_records(records)
        progress(walker.offset_after(pending.packets), pending.packets)

    with _readable_by_tshark(path, content, stream, position, buffered, walker) as readable:
        if position.offset == counted_offset:
            return result  # nothing after the counted prefix
        try:
            file_source(readable).run(emit, cancel)
        except NtcError as error:
            if not walker.cut or pending.packets != walker.packets:
                raise
            if walker.broken:
                result.damage = str(error)
            else:
                result.cut = True
    if cancel.is_set():
        result.cancelled = True
        return result
    if result.cut:  # the ledger records the content up to the end of the last whole packet
        position.offset, position.digest = counted_offset, counted_digest
        _digest_part(path, content, position, walker.complete_end)
    position.packets += pending.packets
    position.traffic_bytes += pending.bytes
    result.packets, result.bytes = pending.packets, pending.bytes
    outbox.add(pending, position, position.offset - counted_offset, file)
    progress(position.offset, result.packets)
    return result


@contextmanager
def _readable_by_tshark(
    path: Path,
    content: Content,
    stream: ContentStream,
    position: Position,
    buffered: bytes,
    walker: RecordWalker,
) -> Iterator[Path]:
    """A path tshark can read, while the rest of the content is read into ``position``'s
    digest (the ledger entry then covers the whole content) and through ``walker``."""
    _digest_rest(stream, position, buffered, walker)
    if content.compression in (None, GZIP):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="ntc-tui-import-") as folder:
        copy = Path(folder) / f"capture.{content.kind}"
        with copy.open("wb") as out, ContentStream(path, content.compression) as again:
            while data := again.read():
                out.write(data)
        yield copy


def _digest_rest(
    stream: ContentStream, position: Position, buffered: bytes, walker: RecordWalker
) -> None:
    """Read the content to its end into the digest of ``position`` and through ``walker``."""
    data = buffered or stream.read()
    while data:
        position.digest.update(data)
        position.offset += len(data)
        walker.feed(data)
        data = stream.read()


def _digest_part(path: Path, content: Content, position: Position, end: int) -> None:
    """Extend ``position``'s digest over the content up to offset ``end`` (read again)."""
    with ContentStream(path, content.compression) as again:
        again.skip(position.offset)
        while position.offset < end and (data := again.read(min(end - position.offset, READ_SIZE))):
            position.digest.update(data)
            position.offset += len(data)
