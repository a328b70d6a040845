"""One import run: every file in natural order, detected by content, counted exactly once."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ntc_tui.capture.content import TEXT, Content, ContentStream, sniff
from ntc_tui.errors import NtcError, StoreUnusableError
from ntc_tui.importer import textfile
from ntc_tui.importer.ledger import HEAD_BYTES, Position, counted_prefix, head_digest
from ntc_tui.importer.model import (
    ALREADY_IMPORTED,
    CANCELLED,
    CONTINUED,
    FAILED,
    IMPORTED,
    FileSummary,
    ImportOptions,
    ImportProgress,
    ImportSummary,
    printable,
)
from ntc_tui.importer.parallel import ChunkPool
from ntc_tui.importer.paths import collect_paths
from ntc_tui.importer.pcapfile import DAMAGED_RECORD, TRUNCATED_PACKET, import_capture
from ntc_tui.importer.pending import CAPTURE_LENGTH_RULE, Outbox, length_rule
from ntc_tui.importer.textfile import RefusedError, TextImport
from ntc_tui.records import DayCalendar
from ntc_tui.store import Store, StoreWriteError

ProgressCallback = Callable[[ImportProgress], None]
_CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")
_TEXT_SUFFIXES = (".txt", ".text", ".log")
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")


def run_import(
    paths: Sequence[Path],
    store: Store,
    options: ImportOptions,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ImportSummary:
    """Import ``paths`` (files and folders) into ``store``, a writer. Bad input never stops it:
    each file's outcome is in the summary. Files share atomic batches, each file's counts with
    its ledger entry. Cancelling stops after the current batch, and what was counted is
    committed, so that a later run continues exactly where this one stopped. Raises UsageError
    for a missing path, StoreUnusableError for a broken store."""
    started = time.monotonic()
    files = collect_paths(paths, options.recursive)
    run = _Run(files, store, options, progress, cancel or threading.Event())
    summary = ImportSummary()
    try:
        for path in files:
            if run.cancel.is_set():
                summary.cancelled = True
                break
            file_summary = run.import_file(path)
            summary.files.append(file_summary)
            if file_summary.status == CANCELLED:
                summary.cancelled = True
                break
            run.file_done(path)
        run.finish()
    finally:
        run.pool.close()
    summary.seconds = time.monotonic() - started
    return summary


class _Run:
    """The state of one run: the files, how far it has come, where progress goes."""

    def __init__(
        self,
        files: list[Path],
        store: Store,
        options: ImportOptions,
        progress: ProgressCallback | None,
        cancel: threading.Event,
    ) -> None:
        self.store = store
        self.options = options
        self.calendar = DayCalendar(options.utc)
        self.cancel = cancel
        self.pool = ChunkPool()
        self.outbox = Outbox(store, self.calendar, textfile.BATCH_BYTES)
        self._progress = progress
        self._sizes = {path: _size(path) for path in files}
        self._files_total = len(files)
        self._bytes_total = sum(self._sizes.values())
        self._files_done = 0
        self._bytes_done = 0
        self._packets_done = 0

    def finish(self) -> None:
        """Commit what the last files queued; if the store refuses it, those files are failed."""
        with contextlib.suppress(StoreWriteError):
            self.outbox.commit()

    def file_done(self, path: Path) -> None:
        self._files_done += 1
        self._bytes_done += self._sizes[path]
        self._report(None, 0, 0)

    def _report(self, current: Path | None, bytes_in_file: int, packets_in_file: int) -> None:
        if self._progress is not None:
            self._progress(
                ImportProgress(
                    self._files_done,
                    self._files_total,
                    self._bytes_done + bytes_in_file,
                    self._bytes_total,
                    self._packets_done + packets_in_file,
                    current,
                )
            )

    def import_file(self, path: Path) -> FileSummary:
        """Import one file; every failure ends up in its summary."""
        summary = FileSummary(path, "")
        self._report(path, 0, 0)
        try:
            content = sniff(path)
            summary.kind = content.describe()
            summary.note = _naming_note(path, content)
            self._import_content(path, content, summary)
        except StoreUnusableError:
            raise
        except (RefusedError, NtcError) as error:  # unreadable, corrupt, refused, disk full, tshark
            summary.status = f"{FAILED}: {error}"
        self._packets_done += summary.packets
        return summary

    def _import_content(self, path: Path, content: Content, summary: FileSummary) -> None:
        with ContentStream(path, content.compression) as stream:
            first = stream.read(HEAD_BYTES)
            reread = _Prepended(first, stream)
            head = head_digest(first)
            if self.outbox.holds(head):  # the ledger must know the queued content first
                self.outbox.commit()
            position, buffered = counted_prefix(self.store, head, reread.read, self.options.force)
            if buffered is not None:
                self._import_rest(content, stream, position, reread.rest() + buffered, summary)
                return
        with ContentStream(path, content.compression) as stream:  # read past the counted prefix
            stream.skip(position.offset)
            self._import_rest(content, stream, position, b"", summary)

    def _import_rest(
        self,
        content: Content,
        stream: ContentStream,
        position: Position,
        buffered: bytes,
        summary: FileSummary,
    ) -> None:
        """Count the content after ``position``; ``buffered``: its first bytes, already read."""
        counted = position.offset

        def progress(content_bytes: int, packets: int) -> None:
            self._report(summary.path, stream.raw_bytes_of(content_bytes), packets)

        if content.kind == TEXT:
            self._import_text(stream, position, buffered, summary, progress)
        else:
            result = import_capture(
                summary.path,
                content,
                stream,
                position,
                buffered,
                self.outbox,
                summary,
                progress,
                self.cancel,
            )
            summary.packets, summary.bytes = result.packets, result.bytes
            summary.length_rule = CAPTURE_LENGTH_RULE
            if result.cut:
                summary.rejected = {TRUNCATED_PACKET: 1}
                summary.note = (
                    "the capture ends in the middle of a packet (still being written?): the "
                    "packets before it are counted; import it again when it is complete"
                )
            elif result.damage:
                summary.rejected = {DAMAGED_RECORD: 1}
                summary.note = f"the packets before the damage are counted; {result.damage}"
            summary.status = CANCELLED if result.cancelled else summary.status
        if summary.status == IMPORTED and counted > 0:
            summary.status = CONTINUED if position.offset > counted else ALREADY_IMPORTED

    def _import_text(
        self,
        stream: ContentStream,
        position: Position,
        buffered: bytes,
        summary: FileSummary,
        progress: Callable[[int, int], None],
    ) -> None:
        text = TextImport(
            stream, self.outbox, summary, self.options.date, progress, self.cancel, self.pool
        )
        result = text.run(position, buffered)
        summary.packets, summary.bytes = result.packets, result.bytes
        summary.rejected = {reason: count for reason, count in result.rejects.items() if count}
        summary.examples = [
            f"{printable(str(summary.path))}:{sample.line}: {sample.reason}: {sample.text}"
            for sample in result.samples
        ]
        summary.length_rule = length_rule(result.length_kinds)
        if result.error is not None:
            summary.status = f"{FAILED}: {result.error}"
        elif result.cancelled:
            summary.status = CANCELLED


class _Prepended:
    """Reads bytes already taken from a stream first, then the stream."""

    def __init__(self, first: bytes, stream: ContentStream) -> None:
        self._first = first
        self._stream = stream
        self._taken = 0

    def read(self, size: int) -> bytes:
        if self._taken < len(self._first):
            data = self._first[self._taken : self._taken + size]
            self._taken += len(data)
            return data
        return self._stream.read(size)

    def rest(self) -> bytes:
        """What of the first bytes was not read."""
        return self._first[self._taken :]


def _naming_note(path: Path, content: Content) -> str:
    """A note when the file's name suggests another kind than its content has."""
    name = path.name.lower()
    for suffix in _COMPRESSED_SUFFIXES:
        name = name.removesuffix(suffix)
    if content.kind == TEXT and name.endswith(_CAPTURE_SUFFIXES):
        return "named like a capture file, but holds tcpdump text: read as text"
    if content.kind != TEXT and name.endswith(_TEXT_SUFFIXES):
        return f"named like a text file, but holds a {content.kind} capture: read with tshark"
    return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
