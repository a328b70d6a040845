"""A simulated disk behind the FileOps seam: power loss, dropped fsyncs and injected errors.

Volatile state is what the running program sees. At a power loss each file keeps, per 512-byte
sector, the durable content or any version the sector had since its last fsync (writes dropped,
reordered, torn), and each directory keeps its durable entries plus any subset, in order, of the
operations since its last fsync. mkdir is an operation of the parent directory.
"""

from __future__ import annotations

import errno
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ntc_tui.storage.fileops import FileOps, Handle

SECTOR = 512


@dataclass
class Inode:
    """A file: durable bytes, current bytes, and the writes since the last fsync."""

    durable: bytearray = field(default_factory=bytearray)
    data: bytearray = field(default_factory=bytearray)
    pending: list[tuple[int, bytes | int]] = field(
        default_factory=list
    )  # (offset, bytes) or (-1, size)
    is_dir: bool = False


@dataclass
class DirOp:
    kind: str  # "link", "unlink", "rename"
    name: str
    target: str = ""
    inode: int = 0


class SimDisk(FileOps):
    """An in-memory file system with the failure modes of a real disk, through FileOps."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.inodes: dict[int, Inode] = {0: Inode(is_dir=True)}
        self.names: dict[str, int] = {"/": 0}  # volatile namespace: path -> inode
        self.durable_names: dict[str, int] = {"/": 0}
        self.pending_dir: dict[str, list[DirOp]] = {}
        self.handles: dict[Handle, int] = {}
        self.locks: dict[int, dict[Handle, bool]] = {}  # inode -> handle -> exclusive
        self.next_inode = 1
        self.next_handle = 3
        self.operations = 0  # mutating operations so far
        self.on_operation: Callable[[], None] | None = None  # called before each mutating operation
        self.skip_fsync: frozenset[str] = frozenset()  # fsync sites that do nothing
        self.fail_write_at: int | None = None  # this pwrite fails with fail_errno
        self.fail_fsync_dir_site: str | None = None  # the next fsync_dir of this site fails (EIO)
        self.full_from_write: int | None = None  # this pwrite and every later one fail
        self.fail_errno = errno.ENOSPC
        self.writes = 0
        self.fsync_sites: dict[str, int] = {}

    # --- bookkeeping ---------------------------------------------------------------------------

    def _tick(self) -> None:
        self.operations += 1
        if self.on_operation is not None:
            self.on_operation()

    @staticmethod
    def _key(path: Path) -> str:
        return str(path) if str(path) != "" else "/"

    @staticmethod
    def _parent(path: str) -> str:
        return str(Path(path).parent)

    def _dir_op(self, path: str, op: DirOp) -> None:
        self.pending_dir.setdefault(self._parent(path), []).append(op)

    def _inode(self, handle: Handle) -> Inode:
        return self.inodes[self.handles[handle]]

    def ensure_dir(self, path: Path) -> None:
        """Make a directory (and its parents) durably, as the test's starting point."""
        key = self._key(path)
        if key in self.names:
            return
        self.ensure_dir(path.parent)
        number = self._new_inode(is_dir=True)
        self.names[key] = self.durable_names[key] = number

    def _new_inode(self, is_dir: bool = False) -> int:
        number = self.next_inode
        self.next_inode += 1
        self.inodes[number] = Inode(is_dir=is_dir)
        return number

    # --- FileOps -------------------------------------------------------------------------------

    def open(self, path: Path, *, write: bool = False, create: bool = False) -> Handle:
        key = self._key(path)
        if key not in self.names:
            if not create:
                raise FileNotFoundError(errno.ENOENT, "No such file", key)
            if self._parent(key) not in self.names:
                raise FileNotFoundError(errno.ENOENT, "No such directory", key)
            self._tick()
            number = self._new_inode()
            self.names[key] = number
            self._dir_op(key, DirOp("link", key, inode=number))
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = self.names[key]
        return handle

    def open_dir(self, path: Path) -> Handle:
        key = self._key(path)
        if key not in self.names or not self.inodes[self.names[key]].is_dir:
            raise FileNotFoundError(errno.ENOENT, "No such directory", key)
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = self.names[key]
        return handle

    def close(self, handle: Handle) -> None:
        number = self.handles.pop(handle)
        self.locks.get(number, {}).pop(handle, None)

    def pread(self, handle: Handle, size: int, offset: int) -> bytes:
        return bytes(self._inode(handle).data[offset : offset + size])

    def pwrite(self, handle: Handle, data: bytes | bytearray | memoryview, offset: int) -> None:
        self.writes += 1
        full = self.full_from_write is not None and self.writes >= self.full_from_write
        if full or self.writes == self.fail_write_at:
            raise OSError(self.fail_errno, "simulated failure")
        self._tick()
        inode = self._inode(handle)
        raw = bytes(data)
        end = offset + len(raw)
        if len(inode.data) < end:
            inode.data.extend(bytes(end - len(inode.data)))
        inode.data[offset:end] = raw
        inode.pending.append((offset, raw))

    def size(self, handle: Handle) -> int:
        return len(self._inode(handle).data)

    def truncate(self, handle: Handle, size: int) -> None:
        self._tick()
        inode = self._inode(handle)
        del inode.data[size:]
        inode.data.extend(bytes(size - len(inode.data)))
        inode.pending.append((-1, size))

    def fsync(self, handle: Handle, site: str) -> None:
        self.fsync_sites[site] = self.fsync_sites.get(site, 0) + 1
        self._tick()
        if site in self.skip_fsync:
            return
        inode = self._inode(handle)
        inode.durable = bytearray(inode.data)
        inode.pending.clear()

    def fsync_dir(self, handle: Handle, site: str) -> None:
        self.fsync_sites[site] = self.fsync_sites.get(site, 0) + 1
        self._tick()
        if site == self.fail_fsync_dir_site:
            self.fail_fsync_dir_site = None
            raise OSError(errno.EIO, "simulated I/O error")
        if site in self.skip_fsync:
            return
        number = self.handles[handle]
        directory = next(path for path, inode in self.names.items() if inode == number)
        for op in self.pending_dir.pop(directory, []):
            self._apply_dir_op(self.durable_names, op)

    def flock(self, handle: Handle, *, exclusive: bool, blocking: bool) -> bool:
        holders = self.locks.setdefault(self.handles[handle], {})
        others = {h: x for h, x in holders.items() if h != handle}
        if others and (exclusive or any(others.values())):
            if blocking:
                raise AssertionError("a blocking lock would wait forever in one thread")
            return False
        holders[handle] = exclusive
        return True

    def unlock(self, handle: Handle) -> None:
        self.locks.get(self.handles[handle], {}).pop(handle, None)

    def rename(self, source: Path, target: Path) -> None:
        self._tick()
        src, dst = self._key(source), self._key(target)
        number = self.names.pop(src)
        self.names[dst] = number
        self._dir_op(dst, DirOp("rename", src, dst, number))

    def unlink(self, path: Path) -> None:
        key = self._key(path)
        if key not in self.names:
            return
        self._tick()
        del self.names[key]
        self._dir_op(key, DirOp("unlink", key))

    def exists(self, path: Path) -> bool:
        return self._key(path) in self.names

    def listdir(self, path: Path) -> list[str]:
        prefix = self._key(path).rstrip("/") + "/"
        return [
            name[len(prefix) :]
            for name in self.names
            if name.startswith(prefix) and "/" not in name[len(prefix) :]
        ]

    def mkdir(self, path: Path) -> None:
        key = self._key(path)
        if key in self.names:
            raise FileExistsError(errno.EEXIST, "File exists", key)
        self._tick()
        number = self._new_inode(is_dir=True)
        self.names[key] = number
        self._dir_op(key, DirOp("link", key, inode=number))

    # --- power loss ----------------------------------------------------------------------------

    @staticmethod
    def _apply_dir_op(names: dict[str, int], op: DirOp) -> None:
        if op.kind == "link":
            names[op.name] = op.inode
        elif op.kind == "unlink":
            names.pop(op.name, None)
        else:
            names.pop(op.name, None)
            names[op.target] = op.inode

    def after_power_loss(self, seed: int) -> SimDisk:
        """The disk as the next boot finds it: durable state plus a random part of the rest."""
        rng = random.Random(f"power loss {seed}")  # string seeds: unrelated streams for near seeds
        names = dict(self.durable_names)
        for ops in self.pending_dir.values():
            for op in ops:
                if rng.random() < 0.5:
                    self._apply_dir_op(names, op)
        for path in list(names):  # entries of directories that did not survive go with them
            parent = path
            while parent != "/":
                parent = self._parent(parent)
                if parent not in names:
                    names.pop(path, None)
                    break
        disk = SimDisk(seed)
        disk.next_inode = self.next_inode
        for number in set(names.values()):
            old = self.inodes[number]
            content = _surviving_content(old, rng)
            disk.inodes[number] = Inode(bytearray(content), bytearray(content), [], old.is_dir)
        disk.names = dict(names)
        disk.durable_names = dict(names)
        return disk


def _surviving_content(inode: Inode, rng: random.Random) -> bytes:
    """Per sector: the durable bytes or any version written since (dropped, reordered, torn)."""
    if not inode.pending:
        return bytes(inode.durable)
    work = bytearray(inode.durable)
    versions: dict[int, list[bytes]] = {}
    sizes = [len(work)]
    for offset, payload in inode.pending:
        if offset < 0:
            assert isinstance(payload, int)
            del work[payload:]
            work.extend(bytes(payload - len(work)))
            touched = range(0)
        else:
            assert isinstance(payload, bytes)
            end = offset + len(payload)
            if len(work) < end:
                work.extend(bytes(end - len(work)))
            work[offset:end] = payload
            touched = range(offset // SECTOR, (end - 1) // SECTOR + 1)
        for sector in touched:
            versions.setdefault(sector, []).append(
                bytes(work[sector * SECTOR : (sector + 1) * SECTOR])
            )
        sizes.append(len(work))
    size = rng.choice(sizes)
    result = bytearray(inode.durable[:size])
    result.extend(bytes(size - len(result)))
    for sector, options in versions.items():
        choice = rng.randrange(len(options) + 1)
        if choice == len(options):
            continue  # this sector keeps what was durable
        start = sector * SECTOR
        if start < size:
            chunk = options[choice][: size - start]
            result[start : start + len(chunk)] = chunk
    return bytes(result)
