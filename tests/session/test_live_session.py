"""A live Session on a veth pair: its capture state, and addresses that change while it runs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import pytest

from ntc_tui.aggregate import Snapshot
from ntc_tui.session import CaptureState, Session, SessionOptions
from tests.support import pcapgen
from tests.support.netns import VethPair

pytestmark = pytest.mark.live

WAIT = 60.0


def until(session: Session, done: Callable[[Snapshot], bool], what: str) -> Snapshot:
    """Pump and tick ``session`` (as the dashboard's loop does) until ``done(snapshot)``."""
    deadline = time.monotonic() + WAIT
    while True:
        session.pump()
        session.tick()
        snapshot = session.snapshot()
        if done(snapshot):
            return snapshot
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.1)


def test_an_address_added_while_running_makes_its_frames_out() -> None:
    with VethPair(subnet=76) as link:
        link.wait_until_quiet()
        new = pcapgen.Host(link.b.host.mac, "10.76.9.1", "fd76:9::1")
        far = pcapgen.Host(link.a.host.mac, "10.76.9.2", "fd76:9::2")  # A drops these
        frames = [pcapgen.frame_udp4(new, far, 333), pcapgen.frame_udp6(new, far, 444)]
        with link.inside(link.b):  # the session, its capture thread and its `ip` calls
            session = Session(SessionOptions(interface=link.b.interface, report_dir=None))
            session.start()
            try:
                assert session.state is CaptureState.STARTING
                until(session, lambda s: session.state is CaptureState.RUNNING, "running")
                link.send(link.b, frames)
                before = until(session, lambda s: s.inbound.packets == 2, "counted the frames")
                assert (before.inbound.bytes, before.outbound.packets) == (777, 0)

                for address in ("10.76.9.1/24", "fd76:9::1/64"):
                    subprocess.run(
                        ["ip", "addr", "add", address, "dev", link.b.interface, "nodad"],
                        check=True,
                    )
                until(
                    session,
                    lambda s: {new.ip4, new.ip6} <= set(session.addresses),
                    "read the new addresses",
                )
                link.wait_until_quiet()  # the new group's listener report (OUT) is counted
                mark = until(session, lambda s: True, "ticked")
                link.send(link.b, frames)
                after = until(
                    session,
                    lambda s: s.outbound.packets == mark.outbound.packets + 2,
                    "counted the frames again",
                )
            finally:
                session.stop()
    assert after.outbound.bytes - mark.outbound.bytes == 777
    assert (after.inbound.bytes, after.inbound.packets) == (
        mark.inbound.bytes,
        mark.inbound.packets,
    )
