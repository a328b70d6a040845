"""What an import is asked to do, how far it has come, and what it did (per file and in total)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMPORTED = "imported"
ALREADY_IMPORTED = "already imported"
CONTINUED = "continued"
CANCELLED = "cancelled"
FAILED = "failed"


def printable(text: str) -> str:
    """``text`` with what a terminal would obey instead of show (control characters, escape
    sequences, undecodable bytes of a file name) written as Python escapes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


@dataclass(frozen=True)
class ImportOptions:
    """How to import: folders recursively, again despite the ledger, the day of time-of-day
    lines (`--date`), day boundaries in UTC."""

    recursive: bool = False
    force: bool = False
    date: datetime.date | None = None
    utc: bool = False


@dataclass(frozen=True)
class ImportProgress:
    """Where a running import is: files and (decompressed) bytes done of all, packets counted."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    packets: int
    current: Path | None


@dataclass
class FileSummary:
    """What the import did with one file."""

    path: Path
    kind: str  # e.g. "tcpdump text", "pcapng", "tcpdump text (gzip)"; "" if unknown
    packets: int = 0  # counted by this run
    bytes: int = 0  # traffic bytes counted by this run
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> lines
    length_rule: str = ""  # which length the packets were counted with (SPEC §6)
    status: str = IMPORTED  # IMPORTED, ALREADY_IMPORTED, CONTINUED, CANCELLED or "failed: ..."
    examples: list[str] = field(default_factory=list)  # "file:line: reason: text"
    note: str = ""  # e.g. the name says pcap but the content is text

    @property
    def failed(self) -> bool:
        return self.status.startswith(FAILED)

    @property
    def rejected_lines(self) -> int:
        return sum(self.rejected.values())

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "status": self.status,
            "packets": self.packets,
            "bytes": self.bytes,
            "length_rule": self.length_rule,
            "rejected": dict(self.rejected),
            "examples": list(self.examples),
            "note": self.note,
        }


@dataclass
class ImportSummary:
    """What an import did with all its files."""

    files: list[FileSummary] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def packets(self) -> int:
        return sum(summary.packets for summary in self.files)

    @property
    def bytes(self) -> int:
        return sum(summary.bytes for summary in self.files)

    @property
    def rejected(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for summary in self.files:
            total.update(summary.rejected)
        return dict(total)

    @property
    def failed(self) -> list[FileSummary]:
        return [summary for summary in self.files if summary.failed]

    def exit_code(self) -> int:
        """0 when everything was imported, 1 when some input was rejected or a file failed."""
        incomplete = self.cancelled or self.failed or any(s.rejected for s in self.files)
        return 1 if incomplete else 0

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        return {
            "files": [summary.as_json() for summary in self.files],
            "packets": self.packets,
            "bytes": self.bytes,
            "rejected": self.rejected,
            "failed": len(self.failed),
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code(),
        }
