"""What a traffic file holds, judged by its first bytes, and its content decompressed on the fly."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ntc_tui.errors import NtcError

GZIP, BZIP2, XZ = "gzip", "bzip2", "xz"
PCAP, PCAPNG, TEXT = "pcap", "pcapng", "text"

_COMPRESSION_MAGIC = ((b"\x1f\x8b", GZIP), (b"BZh", BZIP2), (b"\xfd7zXZ\x00", XZ))
_PCAP_MAGIC = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
SNIFF_BYTES = 4096  # enough to tell a capture from text and binary garbage
READ_SIZE = 1 << 20
_DECOMPRESSORS: dict[str, Callable[[io.BufferedReader], io.BufferedIOBase]] = {
    GZIP: lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    BZIP2: bz2.BZ2File,
    XZ: lzma.LZMAFile,
}


class ContentError(NtcError):
    """A file that cannot be read, or whose compressed data is truncated or corrupt."""


@dataclass(frozen=True)
class Content:
    """How a file is stored (compression) and what its decompressed bytes are (kind)."""

    kind: str  # PCAP, PCAPNG or TEXT
    compression: str | None  # GZIP, BZIP2, XZ or None
    first_bytes: bytes  # the first SNIFF_BYTES of the decompressed content

    def describe(self) -> str:
        """E.g. "pcapng" or "tcpdump text (gzip)"."""
        name = "tcpdump text" if self.kind == TEXT else self.kind
        return f"{name} ({self.compression})" if self.compression else name


def kind_of(first_bytes: bytes) -> str:
    """PCAP, PCAPNG or TEXT from the first bytes of (decompressed) content."""
    if first_bytes[:4] in _PCAP_MAGIC:
        return PCAP
    if first_bytes[:4] == _PCAPNG_MAGIC:
        return PCAPNG
    return TEXT


def compression_of(first_bytes: bytes) -> str | None:
    """GZIP, BZIP2, XZ or None from the first bytes of a file."""
    return next((name for magic, name in _COMPRESSION_MAGIC if first_bytes.startswith(magic)), None)


def sniff(path: Path) -> Content:
    """Detect compression and content kind of ``path`` from its bytes, not its name."""
    try:
        with path.open("rb") as raw:
            first = raw.read(8)
    except OSError as error:
        raise _unreadable(path, error) from None
    compression = compression_of(first)
    with ContentStream(path, compression) as stream:
        first = stream.read(SNIFF_BYTES)
    return Content(kind_of(first), compression, first)


class ContentStream:
    """The decompressed bytes of a file; read failures become ContentError with one sentence.

    Compressed content is decompressed one input block at a time: what came before a truncation
    or a corruption is returned first, and the error is raised by the next read."""

    def __init__(self, path: Path, compression: str | None) -> None:
        self.path = path
        self.compression = compression
        try:
            self._raw = path.open("rb")
        except OSError as error:
            raise _unreadable(path, error) from None
        self._stream: io.BufferedIOBase = self._raw
        if compression is not None:
            self._stream = _DECOMPRESSORS[compression](self._raw)
        self._content_read = 0
        self._error: ContentError | None = None

    def __enter__(self) -> ContentStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._stream.close()
        self._raw.close()

    @property
    def raw_position(self) -> int:
        """Bytes of the file on disk read so far (compressed bytes for a compressed file)."""
        return self._raw.tell() if not self._raw.closed else 0

    def raw_bytes_of(self, content_bytes: int) -> int:
        """About how many bytes of the file on disk hold the first ``content_bytes`` of the
        content (for progress), by the compression ratio of what was read so far."""
        if self.compression is None or not self._content_read:
            return content_bytes
        return min(self.raw_position, content_bytes * self.raw_position // self._content_read)

    def read(self, size: int = READ_SIZE) -> bytes:
        """Up to ``size`` bytes (b"" at the end): all of them, unless the end of the content or
        a read error comes first."""
        if self._error is not None:
            raise self._error
        if self.compression is None:
            data = self._read_once(size)
        else:
            parts: list[bytes] = []
            wanted = size
            try:
                while wanted > 0 and (part := self._read_once(wanted)):
                    parts.append(part)
                    wanted -= len(part)
            except ContentError as error:
                if not parts:
                    raise
                self._error = error
            data = b"".join(parts)
        self._content_read += len(data)
        return data

    def skip(self, size: int) -> None:
        """Read past ``size`` bytes; ContentError if the content is shorter."""
        left = size
        while left > 0:
            data = self.read(min(left, READ_SIZE))
            if not data:
                raise ContentError(f"{self.path}: the content became shorter while it was read")
            left -= len(data)

    def _read_once(self, size: int) -> bytes:
        """One read of the file, or one decompressed block of it."""
        try:
            if self.compression is None:
                return self._stream.read(size)
            return self._stream.read1(size)
        except EOFError:
            raise ContentError(
                f"{self.path}: the compressed file is truncated (it ends before its end marker)"
            ) from None
        except (gzip.BadGzipFile, zlib.error, lzma.LZMAError) as error:
            raise ContentError(f"{self.path}: corrupt compressed data ({error})") from None
        except OSError as error:
            if self.compression is not None and "Invalid data stream" in str(error):
                raise ContentError(f"{self.path}: corrupt compressed data ({error})") from None
            raise _unreadable(self.path, error) from None


def _unreadable(path: Path, error: OSError) -> ContentError:
    return ContentError(f"cannot read {path}: {error.strerror or error}")
