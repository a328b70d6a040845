"""The dashboard on a live interface (a veth pair in network namespaces): tshark killed mid-run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.capture.conftest import leftover_processes
from tests.support import pcapgen
from tests.support.netns import VethPair
from tests.ui.terminal import PtyTerminal
from tests.ui.tmux import NTC_TUI

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]
WAIT = 60.0


def tshark_on(interface: str) -> int:
    """The pid of the one tshark capturing on ``interface``."""
    (pid,) = [pid for pid, name, _ in leftover_processes(interface) if name == "tshark"]
    return pid


def send_until(link: VethPair, wanted: str, terminal: PtyTerminal) -> str:
    """Send frames from A to B every 0.2 s until the screen shows ``wanted``; the screen then.
    Traffic also makes a dumpcap whose tshark died notice it (SIGPIPE) and end."""
    frame = pcapgen.frame_udp4(link.a.host, link.b.host, 400)
    deadline = time.monotonic() + WAIT
    while wanted not in terminal.text():
        assert time.monotonic() < deadline, f"never showed {wanted!r}:\n{terminal.text()}"
        link.send(link.a, [frame])
        time.sleep(0.2)
    return terminal.text()


def test_killing_tshark_shows_the_error_in_the_header_and_q_still_reports(tmp_path: Path) -> None:
    terminal = PtyTerminal(100, 30)
    with VethPair(subnet=79) as link:
        interface = link.b.interface
        argv = [str(NTC_TUI), interface, "--db", "--db-dir", str(tmp_path / "data"),
                "--report-dir", str(tmp_path), "--utc"]  # fmt: skip
        program = terminal.spawn(link.command(link.b, argv))
        try:
            terminal.wait_for("running", WAIT)
            assert interface in terminal.text() and link.b.host.ip4 in terminal.text()
            send_until(link, "max 10.79.0.1", terminal)  # traffic reaches the screen
            os.kill(tshark_on(interface), signal.SIGKILL)
            screen = send_until(link, "capture error", terminal)  # (see send_until)
            first, *_ = screen.splitlines()
            assert " error " in first, first
            assert "tshark died (killed by SIGKILL)" in screen
            terminal.press("q")
            assert program.wait(WAIT) == 1  # a capture that failed: exit status 1
            after = terminal.wait_for("session report:", WAIT)
        finally:
            if program.poll() is None:
                program.send_signal(signal.SIGKILL)
                program.wait()
            terminal.close()
    assert "capture error: tshark died" in after
    reports = list(tmp_path.glob("ntc-*.log"))
    assert len(reports) == 1 and "10.79.0.1" in reports[0].read_text()
    assert leftover_processes(interface) == []
