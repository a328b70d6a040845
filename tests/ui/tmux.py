"""The real ntc-tui in a private tmux server: type keys, read the screen (text or ANSI)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from tests.ui.terminal import wait_until

NTC_TUI = Path(sys.executable).parent / "ntc-tui"
SESSION = "ntc"


class TmuxRun:
    """``ntc-tui ARGS`` in a detached tmux session of its own server; after the program ends,
    the pane shows its exit status and whether the terminal settings came back unchanged."""

    def __init__(self, args: Sequence[str], cols: int = 120, rows: int = 40) -> None:
        self.socket = f"ntc-tui-test-{os.getpid()}-{time.monotonic_ns()}"
        program = shlex.join([str(NTC_TUI), *args])
        self.script = (
            "trap : INT; "  # Ctrl-C goes to the program; this shell stays to report
            "before=$(stty -g); "
            f"{program}; status=$?; "
            '[ "$before" = "$(stty -g)" ] && echo TERMINAL-RESTORED; '
            'echo "EXIT=$status"; sleep 600'
        )
        self.cols, self.rows = cols, rows

    def __enter__(self) -> TmuxRun:
        environment = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                SESSION,
                "-x",
                str(self.cols),
                "-y",
                str(self.rows),
                "sh",
                "-c",
                self.script,
            ],
            check=True,
            env=environment,
        )
        self._tmux("set-option", "-g", "escape-time", "0")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True
        )
        return result.stdout

    def text(self) -> str:
        """The pane's text, a line the pane wrapped joined back as it was written (-J: with
        its spaces, which tmux would otherwise drop at the wrap)."""
        return self._tmux("capture-pane", "-p", "-J", "-t", SESSION)

    def hang_up(self) -> None:
        """Close the terminal, as when its window or ssh connection goes away (SIGHUP)."""
        self._tmux("kill-session", "-t", SESSION)

    def ansi(self) -> str:
        """The pane's text with its colours as escape sequences, trailing spaces kept."""
        return self._tmux("capture-pane", "-p", "-e", "-N", "-t", SESSION)

    def press(self, *keys: str) -> None:
        """tmux key names (``Escape``, ``Down``, ``Enter``) or literal text."""
        self._tmux("send-keys", "-t", SESSION, *keys)

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = 60.0) -> str:
        """The pane's text once it shows ``wanted`` (text, or a test on the text)."""
        return wait_until(self.text, wanted, timeout)
