"""A pseudo-terminal read by a pyte screen: the dashboard's real output as a user would see it."""

from __future__ import annotations

import copy
import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

import pyte
import urwid


def wait_until(read: Callable[[], str], wanted: str | Callable[[str], bool], timeout: float) -> str:
    """Read a screen until it shows ``wanted``; its text then. AssertionError with the last
    text when it does not come within ``timeout`` seconds."""
    check = wanted if callable(wanted) else (lambda text: wanted in text)
    deadline = time.monotonic() + timeout
    while True:
        text = read()
        if check(text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the screen never showed {wanted!r}; it shows:\n{text}")
        time.sleep(0.05)


class PtyTerminal:
    """The slave side is the dashboard's terminal; the master side types keys and reads output."""

    def __init__(self, cols: int = 100, rows: int = 30) -> None:
        self.master, self.slave = os.openpty()
        self.screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self._files: list[IO[bytes] | IO[str]] = []
        self._set_size(cols, rows)
        self.initial_mode = termios.tcgetattr(self.slave)
        self._reader = threading.Thread(target=self._read, name="pty reader", daemon=True)
        self._reader.start()

    def _set_size(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._stream.feed(data)

    def spawn(self, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        """Run a program with this terminal as its terminal (in a session of its own)."""
        environment = {
            **os.environ,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "xterm-256color",
        }
        return subprocess.Popen(
            list(argv),
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            start_new_session=True,
            env=environment,
        )

    def urwid_screen(self) -> urwid.display.raw.Screen:
        """A raw urwid screen on the slave side, as on a real terminal."""
        keyboard = open(self.slave, "rb", buffering=0, closefd=False)  # noqa: SIM115
        display = open(self.slave, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        self._files += [keyboard, display]
        return urwid.display.raw.Screen(input=keyboard, output=display)

    def text(self) -> str:
        """What the screen shows now."""
        with self._lock:
            return "\n".join(self.screen.display)

    def copy(self) -> pyte.Screen:
        """The screen as it is now (characters and colours), apart from later output."""
        with self._lock:
            return copy.deepcopy(self.screen)

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = 30.0) -> str:
        """The screen's text once it shows ``wanted`` (text, or a test on the text)."""
        return wait_until(self.text, wanted, timeout)

    def press(self, keys: str) -> None:
        """Type ``keys`` (escape sequences included)."""
        os.write(self.master, keys.encode())

    def resize(self, cols: int, rows: int) -> None:
        """Change the terminal's size and tell the program, as a terminal window does."""
        with self._lock:
            self.screen.resize(rows, cols)
        self._set_size(cols, rows)
        os.kill(os.getpid(), signal.SIGWINCH)

    def mode(self) -> list[object]:
        """The terminal's current termios settings."""
        return termios.tcgetattr(self.slave)

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        os.close(self.slave)
        os.close(self.master)
        self._reader.join(2)
