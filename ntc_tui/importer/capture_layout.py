"""Where the records of pcap and pcapng content end: the packets a capture being written holds.

Only the record headers are read (lengths, block types), never the frames: enough to know the
offset after the last complete record (a file cut in the middle of a packet), and where each
packet ends (progress while tshark reads the file).
"""

from __future__ import annotations

import struct
from array import array

from ntc_tui.capture.content import PCAP, PCAPNG, kind_of

PCAP_FILE_HEADER = 24
_PCAP_RECORD = 16  # seconds, fraction, captured length, original length
_PCAPNG_HEADER = 12  # block type, block length, and the first body word (a section's byte order)
_SECTION_HEADER = 0x0A0D0D0A
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_PACKET_BLOCKS = frozenset({2, 3, 6})  # packet, simple packet, enhanced packet
_PCAP_LITTLE_ENDIAN = (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
SAMPLE_EVERY = 64  # packets between two recorded packet ends
# the longest packet record tshark reads (WTAP_MAX_PACKET_SIZE_STANDARD); pcapng blocks may add
# their options to it (wiretap's MAX_BLOCK_SIZE)
MAX_RECORD = 262_144
MAX_BLOCK = 32 + MAX_RECORD + 131_072


class RecordWalker:
    """Follows the records of capture content fed to it in order, from a record boundary."""

    def __init__(self, first_bytes: bytes, offset: int) -> None:
        """``first_bytes``: the first bytes of the content (its file or section header);
        ``offset``: where feeding starts, a record boundary (0: the start of the content)."""
        self.pcapng = kind_of(first_bytes) == PCAPNG
        self.little = self._little_endian(first_bytes)
        self.start = offset
        self.complete_end = offset  # offset after the last complete record
        self.packets = 0  # complete packet records after ``start``
        self.broken = False  # a record header that cannot be right: the walk stopped there
        self._next = PCAP_FILE_HEADER if offset == 0 and not self.pcapng else offset
        self._record_end: int | None = None  # of the record at ``_next``, once its header is read
        self._is_packet = False
        self._buffer = b""  # content from ``_buffer_start`` on, while a header is still needed
        self._buffer_start = offset
        self._seen = offset
        self._ends = array("Q")  # offset after every SAMPLE_EVERY-th packet

    @property
    def cut(self) -> bool:
        """Whether content fed so far ends inside a record (or after a broken header)."""
        return self._seen > self.complete_end

    def feed(self, data: bytes) -> None:
        """The next bytes of the content."""
        self._seen += len(data)
        if self.broken:
            return
        if self._record_end is None or self._record_end <= self._seen:
            self._buffer += data
        while not self.broken:
            if self._record_end is None and not self._read_header():
                break
            assert self._record_end is not None
            if self._record_end > self._seen:
                self._buffer, self._buffer_start = b"", self._seen
                break
            self._complete(self._record_end)
        self._trim()

    def offset_after(self, packets: int) -> int:
        """About where the first ``packets`` packets after ``start`` end (for progress)."""
        index = min(packets // SAMPLE_EVERY, len(self._ends)) - 1
        return self._ends[index] if index >= 0 else self.start

    def _read_header(self) -> bool:
        """Read the header of the record at ``_next``; False if its bytes are not all here."""
        size = _PCAPNG_HEADER if self.pcapng else _PCAP_RECORD
        at = self._next - self._buffer_start
        if at < 0 or at + size > len(self._buffer):
            return False
        header = self._buffer[at : at + size]
        order = "<" if self.little else ">"
        if self.pcapng:
            kind = struct.unpack_from(order + "I", header)[0]
            if kind == _SECTION_HEADER:
                self.little = struct.unpack_from("<I", header, 8)[0] == _BYTE_ORDER_MAGIC
                order = "<" if self.little else ">"
            length = struct.unpack_from(order + "I", header, 4)[0]
            self._is_packet = kind in _PACKET_BLOCKS
            if length < _PCAPNG_HEADER or length % 4 or length > MAX_BLOCK:
                self.broken = True
                return False
        else:
            captured = struct.unpack_from(order + "I", header, 8)[0]
            if captured > MAX_RECORD:
                self.broken = True
                return False
            length = _PCAP_RECORD + captured
            self._is_packet = True
        self._record_end = self._next + length
        return True

    def _complete(self, end: int) -> None:
        self.complete_end = self._next = end
        self._record_end = None
        if self._is_packet:
            self.packets += 1
            if self.packets % SAMPLE_EVERY == 0:
                self._ends.append(end)

    def _trim(self) -> None:
        """Keep only the bytes from the next header on."""
        drop = self._next - self._buffer_start
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop

    @staticmethod
    def _little_endian(first_bytes: bytes) -> bool:
        if kind_of(first_bytes) == PCAP:
            return first_bytes[:4] in _PCAP_LITTLE_ENDIAN
        return first_bytes[8:12] == struct.pack("<I", _BYTE_ORDER_MAGIC)
