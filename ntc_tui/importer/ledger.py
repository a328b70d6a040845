"""Exactly once: which prefix of a file's (decompressed) content the data directory has counted.

A file is known by its content, never its name: the digest of its first HEAD_BYTES (the ledger's
head) and the digest of every prefix recorded with that head. Renamed or compressed copies have
the same content; a file that has grown starts with a recorded prefix and continues after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ntc_tui.store import DIGEST_SIZE, LedgerEntry, Store

HEAD_BYTES = 64  # less than one tcpdump line or pcap record: a file grown from any size is known


def new_digest() -> hashlib._Hash:
    """The digest every ledger value is made with: SHA-256 (the CPU's own instructions make it
    the fastest here), its first DIGEST_SIZE bytes kept."""
    return hashlib.sha256()


def finished(digest: hashlib._Hash) -> bytes:
    """The ledger's value of a digest."""
    return digest.digest()[:DIGEST_SIZE]


def head_digest(first_bytes: bytes) -> bytes:
    """The ledger's head: the digest of the content's first HEAD_BYTES."""
    return finished(hashlib.sha256(first_bytes[:HEAD_BYTES]))


@dataclass
class Position:
    """The counted prefix of a file: its length, the digest state over it, what it held."""

    head: bytes
    offset: int = 0  # content bytes counted
    lines: int = 0  # newlines in them (line numbers of the rest)
    packets: int = 0  # packets counted in them
    traffic_bytes: int = 0
    digest: hashlib._Hash = field(default_factory=new_digest)
    known: frozenset[tuple[int, bytes]] = frozenset()  # (length, prefix) already in the ledger

    def advance(
        self, data: bytes, packets: int, traffic_bytes: int, lines: int | None = None
    ) -> None:
        """``data`` (``lines`` newlines, if known) follows the prefix and has been counted."""
        self.digest.update(data)
        self.offset += len(data)
        self.lines += data.count(b"\n") if lines is None else lines
        self.packets += packets
        self.traffic_bytes += traffic_bytes

    def entry(self) -> LedgerEntry | None:
        """The ledger entry of the prefix counted so far; None if the ledger already holds it."""
        prefix = finished(self.digest)
        if (self.offset, prefix) in self.known:
            return None
        return LedgerEntry(self.head, self.offset, prefix, self.traffic_bytes, self.packets)


def counted_prefix(
    store: Store, head: bytes, read: Callable[[int], bytes], force: bool
) -> tuple[Position, bytes | None]:
    """The longest prefix of the content that the ledger records as counted (none when
    ``force``), and the content read past it while looking; None instead when more than that
    was read (a longer recorded prefix did not match): the caller reads again from the prefix's
    end. ``read(n)`` returns up to ``n`` bytes of the content, b"" at its end."""
    entries = store.ledger_entries(head)
    known = frozenset((entry.length, entry.prefix) for entry in entries)
    best = Position(head, known=known)
    if force:
        return best, b""
    scanned = Position(head, known=known)
    pending = b""
    for entry in sorted(entries, key=lambda item: item.length):
        while scanned.offset + len(pending) < entry.length:
            data = read(entry.length - scanned.offset - len(pending))
            if not data:
                break
            pending += data
        if scanned.offset + len(pending) < entry.length:
            break  # the content is shorter than this prefix
        cut = entry.length - scanned.offset
        scanned.advance(pending[:cut], 0, 0)
        pending = pending[cut:]
        if finished(scanned.digest) == entry.prefix:
            best = Position(
                head,
                scanned.offset,
                scanned.lines,
                entry.packets,
                entry.traffic_bytes,
                scanned.digest.copy(),
                known,
            )
    return best, pending if best.offset == scanned.offset else None
