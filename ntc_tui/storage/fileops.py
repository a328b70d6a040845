"""The one seam through which storage touches the file system (tests put a simulated disk here)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

Handle = int  # an open file or directory


class FileOps:
    """File operations on the real file system; the only code of ntc-tui that calls os.fsync.

    ``site`` names the call site of each fsync so that a simulated disk can drop one of them and
    prove it necessary (see tests/storage/test_powerloss.py).
    """

    def open(self, path: Path, *, write: bool = False, create: bool = False) -> Handle:
        """Open a file for reading (and writing); ``create`` makes it, mode 0600, if missing."""
        flags = os.O_RDWR if write else os.O_RDONLY
        if create:
            flags |= os.O_CREAT
        return os.open(path, flags | os.O_CLOEXEC, 0o600)

    def open_dir(self, path: Path) -> Handle:
        """Open a directory (for fsync_dir and flock)."""
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self, handle: Handle) -> None:
        """Close a handle."""
        os.close(handle)

    def pread(self, handle: Handle, size: int, offset: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` (fewer at the end of the file)."""
        first = os.pread(handle, size, offset)
        if len(first) == size or not first:
            return first
        chunks = [first]
        size -= len(first)
        offset += len(first)
        while size > 0:
            chunk = os.pread(handle, size, offset)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
            offset += len(chunk)
        return b"".join(chunks)

    def pwrite(self, handle: Handle, data: bytes | bytearray | memoryview, offset: int) -> None:
        """Write all of ``data`` at ``offset``."""
        view = memoryview(data)
        while view:
            written = os.pwrite(handle, view, offset)
            view = view[written:]
            offset += written

    def size(self, handle: Handle) -> int:
        """The file's size in bytes."""
        return os.fstat(handle).st_size

    def truncate(self, handle: Handle, size: int) -> None:
        """Cut (or extend with zeros) the file to ``size`` bytes."""
        os.ftruncate(handle, size)

    def fsync(self, handle: Handle, site: str) -> None:
        """Make the file's data and size durable."""
        del site
        os.fsync(handle)

    def fsync_dir(self, handle: Handle, site: str) -> None:
        """Make the directory's entries (creations, renames, removals) durable."""
        del site
        os.fsync(handle)

    def flock(self, handle: Handle, *, exclusive: bool, blocking: bool) -> bool:
        """Take an advisory lock; False when ``blocking`` is off and another holder has it."""
        operation = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if not blocking:
            operation |= fcntl.LOCK_NB
        try:
            fcntl.flock(handle, operation)
        except BlockingIOError:
            return False
        return True

    def unlock(self, handle: Handle) -> None:
        """Release an advisory lock."""
        fcntl.flock(handle, fcntl.LOCK_UN)

    def rename(self, source: Path, target: Path) -> None:
        """Atomically replace ``target`` by ``source``."""
        source.replace(target)

    def unlink(self, path: Path) -> None:
        """Remove a file; a missing file is not an error."""
        path.unlink(missing_ok=True)

    def exists(self, path: Path) -> bool:
        """Whether the path names a file or directory (OSError if that cannot be told)."""
        try:
            os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def listdir(self, path: Path) -> list[str]:
        """Names in a directory."""
        return [entry.name for entry in path.iterdir()]

    def mkdir(self, path: Path) -> None:
        """Create a directory, mode 0700 (its parent must exist)."""
        path.mkdir(mode=0o700)
