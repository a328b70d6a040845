"""The spool between dumpcap and tshark: the ring of files dumpcap writes, followed into a pipe."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

SPOOL_NAME = "spool"  # dumpcap names the ring's files spool_NNNNN_YYYYmmddHHMMSS.pcapng
SPOOL_FILE = re.compile(rf"^{SPOOL_NAME}_(\d+)_\d+\.pcapng$")
_SPOOL_POLL_SECONDS = 0.01  # how soon the follower looks again at the end of the newest file
_PIPE_BYTES = 1 << 20  # tshark's input pipe (the kernel's default limit for one)
_COPY_CHUNK = 1 << 20


class SpoolFollower(threading.Thread):
    """Copies the ring of spool files dumpcap writes into the named pipe tshark reads, in order,
    each as far as it is written, so that tshark reads one endless pcapng stream (a section per
    file).

    tshark reading the ring itself (`-b` with `-P`) grows by about 20 MiB at every file switch;
    reading a pipe it stays flat. If tshark falls a whole ring behind, the files dumpcap recycled
    are skipped: lost, where a single pipe would have lost at once what its buffer cannot hold.
    """

    def __init__(self, spool_dir: str, pipe: Path, dumpcap_running: Callable[[], bool]) -> None:
        super().__init__(name="spool follower", daemon=True)
        self._spool_dir = spool_dir
        self._pipe = pipe
        self._dumpcap_running = dumpcap_running
        self._halt = threading.Event()

    def halt(self) -> None:
        """Stop copying (at the latest once a blocked write fails as tshark ends)."""
        self._halt.set()

    def run(self) -> None:
        try:
            pipe = self._open_pipe()
            if pipe is not None:
                try:
                    self._follow(pipe)
                finally:
                    os.close(pipe)
        except OSError:  # tshark ended (a broken pipe), or the spool was removed under us
            return

    def _follow(self, pipe: int) -> None:
        number = 1
        while not self._halt.is_set():
            files = self._files()
            if number in files:
                self._copy(files[number], number, pipe)
                number += 1
            elif any(n > number for n in files):  # recycled before we got to it: skipped
                number += 1
            elif not self._dumpcap_running():
                return
            else:
                self._halt.wait(_SPOOL_POLL_SECONDS)

    def _open_pipe(self) -> int | None:
        """The pipe's writing end, once tshark has opened it for reading (None if halted)."""
        while not self._halt.is_set():
            try:
                pipe = os.open(self._pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                self._halt.wait(_SPOOL_POLL_SECONDS)
                continue
            os.set_blocking(pipe, True)
            with contextlib.suppress(OSError):  # a bigger pipe: fewer, larger copies
                fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
            return pipe
        return None

    def _files(self) -> dict[int, Path]:
        """The ring's files by number."""
        found = {}
        for path in Path(self._spool_dir).iterdir():
            match = SPOOL_FILE.match(path.name)
            if match:
                found[int(match.group(1))] = path
        return found

    def _copy(self, path: Path, number: int, pipe: int) -> None:
        """Copy ``path`` until dumpcap has moved on to the next file (or ended) and it is read."""
        try:
            source = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # recycled just now: skipped
            return
        try:
            finished = False
            while not self._halt.is_set():
                if os.sendfile(pipe, source, None, _COPY_CHUNK):
                    continue
                if finished:
                    return  # read to its end after dumpcap had moved on
                finished = not self._dumpcap_running() or any(n > number for n in self._files())
                if not finished:
                    self._halt.wait(_SPOOL_POLL_SECONDS)
        finally:
            os.close(source)
