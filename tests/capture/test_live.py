"""Live capture on a veth pair between two namespaces: records vs tshark, filters, every ending."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ntc_tui.capture import tshark
from ntc_tui.capture.tshark import SPOOL_PREFIX, live_source
from ntc_tui.capture.worker import (
    CaptureBatch,
    CaptureEnded,
    CaptureMessage,
    CaptureStarted,
    CaptureWorker,
)
from ntc_tui.errors import UsageError
from ntc_tui.records import PacketRecord
from tests.capture.conftest import AS_NOBODY, REPO, leftover_processes
from tests.capture.kinds import capture_kinds, every_kind, expected_records
from tests.capture.reference import reference_records
from tests.support import pcapgen
from tests.support.netns import VethPair

pytestmark = pytest.mark.live

READY, DONE = 77, 78  # frame lengths of the marker frames (a raw ethertype, no IP)
WAIT = 60.0  # generous bound for things that normally take a second or two
BACKLOG_PACKETS = 500_000  # seconds of dissection for tshark, well under one to send
T0 = 1_760_000_000.0


@pytest.fixture
def link() -> Iterator[VethPair]:
    with VethPair() as pair:
        yield pair


class LiveRun:
    """Our live source on B's end, run by a CaptureWorker started inside B's namespace."""

    def __init__(self, link: VethPair, bpf_filter: str | None = None) -> None:
        self.link = link
        self.messages: list[CaptureMessage] = []
        self.changed = threading.Condition()
        with link.inside(link.b):
            self.worker = CaptureWorker(live_source(link.b.interface, bpf_filter), self._deliver)
            self.worker.start()

    def _deliver(self, message: CaptureMessage) -> None:
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    @property
    def records(self) -> list[PacketRecord]:
        return [r for m in list(self.messages) if isinstance(m, CaptureBatch) for r in m.records]

    @property
    def ended(self) -> CaptureEnded | None:
        return next((m for m in self.messages if isinstance(m, CaptureEnded)), None)

    def wait_for_end(self) -> CaptureEnded:
        with self.changed:
            assert self.changed.wait_for(lambda: self.ended is not None, WAIT)
        assert self.ended is not None
        return self.ended

    def send_until_seen(self, frame: bytes, length: int | None = None) -> None:
        """Send ``frame`` from A every 50 ms until a record of its length arrives here."""
        wanted = length or len(frame)
        deadline = time.monotonic() + WAIT
        while not any(r.length == wanted for r in self.records):
            assert time.monotonic() < deadline, "the live capture never delivered the marker"
            assert self.ended is None, self.ended
            self.link.send(self.link.a, [frame])
            time.sleep(0.05)

    def stop(self) -> float:
        start = time.monotonic()
        self.worker.stop()
        return time.monotonic() - start


def marker(link: VethPair, length: int) -> bytes:
    return pcapgen.frame_raw(link.a.host, link.b.host, 0x88B5, length)


def tshark_pid(link: VethPair) -> int:
    (pid,) = [pid for pid, name, _ in leftover_processes(link.b.interface) if name == "tshark"]
    return pid


def without_ts(records: list[PacketRecord]) -> list[tuple[object, ...]]:
    return [record[1:] for record in records]


def is_subsequence(wanted: list[tuple[object, ...]], seen: list[tuple[object, ...]]) -> bool:
    remaining = iter(seen)
    return all(any(item == other for other in remaining) for item in wanted)


def window(records: list[PacketRecord], start_ts: float, end_ts: float) -> list[PacketRecord]:
    return [r for r in records if start_ts < r.ts < end_ts]


def test_every_record_matches_a_tshark_reading_taken_at_the_same_time(
    link: VethPair, tmp_path: Path
) -> None:
    reference_file = tmp_path / "reference.pcapng"
    reference = link.popen(
        link.b,
        ["dumpcap", "-q", "-i", link.b.interface, "-w", str(reference_file)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT
        while not (reference_file.exists() and reference_file.stat().st_size > 0):
            assert time.monotonic() < deadline and reference.poll() is None
            time.sleep(0.05)
        capture = LiveRun(link)
        capture.send_until_seen(marker(link, READY))
        link.send(link.a, [frame for _, frame in capture_kinds(link.a.host, link.b.host)])
        link.kernel_traffic(link.a, link.b)
        capture.send_until_seen(marker(link, DONE))
        capture.stop()
    finally:
        reference.send_signal(signal.SIGINT)
        reference.wait(WAIT)
    ours = capture.records
    start = max(r.ts for r in ours if r.length == READY)
    end = min(r.ts for r in ours if r.length == DONE)
    theirs = reference_records(reference_file)
    assert start in {r.ts for r in theirs}  # the markers carry the same timestamps in both
    ours_seen, theirs_seen = window(ours, start, end), window(theirs, start, end)
    assert without_ts(ours_seen) == without_ts(theirs_seen)
    # Frames the kernels send may be stamped by each capture socket on its own: a few µs apart.
    assert all(abs(a.ts - b.ts) < 0.001 for a, b in zip(ours_seen, theirs_seen, strict=True))

    # and what we sent is there, in order, counted as SPEC §3 says
    sent = expected_records(link.a.host, link.b.host)
    assert is_subsequence(without_ts(sent), without_ts(window(ours, start, end)))
    protocols = {r.proto for r in window(ours, start, end)}
    assert {"TCP", "UDP", "ICMP", "ICMPv6", "ARP", "0x88b5"} <= protocols
    assert link.counters(link.b)["rx_packets"] >= len(sent)


def assert_nothing_left(link: VethPair, spool_parent: Path) -> None:
    assert leftover_processes(link.b.interface) == []
    assert [p.name for p in spool_parent.iterdir() if p.name.startswith(SPOOL_PREFIX)] == []
    assert not list(Path("/tmp").glob(f"wireshark_{link.b.interface}*"))


def test_stop_is_prompt_and_leaves_no_process_or_spool_file(
    link: VethPair, private_tmp: Path
) -> None:
    capture = LiveRun(link)
    capture.send_until_seen(marker(link, READY))
    assert leftover_processes(link.b.interface) != []  # tshark and its dumpcap are running
    assert any(p.name.startswith(SPOOL_PREFIX) for p in private_tmp.iterdir())
    latency = capture.stop()
    assert not capture.worker.running, f"still stopping after {latency:.2f} s"
    assert capture.ended == CaptureEnded(None)
    assert_nothing_left(link, private_tmp)


def test_started_means_capturing_a_single_frame_sent_then_arrives(link: VethPair) -> None:
    capture = LiveRun(link)
    with capture.changed:
        assert capture.changed.wait_for(lambda: capture.messages, WAIT)
    assert capture.messages[0] == CaptureStarted()  # before any batch
    frame = marker(link, READY)
    link.send(link.a, [frame])  # once: dumpcap has the interface open
    with capture.changed:
        assert capture.changed.wait_for(
            lambda: any(r.length == READY for r in capture.records), WAIT
        ), "the frame sent once capturing had started was not captured"
    capture.stop()


def test_stop_during_a_heavy_backlog_is_prompt_and_leaves_nothing(
    link: VethPair, private_tmp: Path, tmp_path: Path
) -> None:
    burst = tmp_path / "burst.pcap"
    frame = pcapgen.frame_udp4(link.a.host, link.b.host, 60)
    sent = pcapgen.write_pcap(burst, ((T0, frame) for _ in range(BACKLOG_PACKETS)))
    capture = LiveRun(link)
    capture.send_until_seen(marker(link, READY))
    link.run(link.a, ["tcpreplay", "--topspeed", "-i", link.a.interface, str(burst)])
    latency = capture.stop()  # tshark is seconds behind dumpcap: nobody reads what is left
    assert len(capture.records) < sent, "no backlog: tshark kept up with the burst"
    assert not capture.worker.running, f"still stopping after {latency:.2f} s"
    assert capture.ended == CaptureEnded(None)
    assert_nothing_left(link, private_tmp)


@pytest.mark.parametrize("after", [0.0, 0.05, 0.2, 0.5])
def test_stop_right_after_start_leaves_nothing(
    link: VethPair, private_tmp: Path, after: float
) -> None:
    capture = LiveRun(link)
    time.sleep(after)  # before tshark, while it starts, while its dumpcap starts
    latency = capture.stop()
    assert not capture.worker.running, f"still stopping after {latency:.2f} s"
    assert capture.ended == CaptureEnded(None)
    assert_nothing_left(link, private_tmp)


def test_a_stuck_consumer_cannot_keep_tshark_or_its_spool_alive(
    link: VethPair, private_tmp: Path
) -> None:
    """stop() gives the worker a second; then it ends tshark, dumpcap and the spool itself."""
    release, stuck, ended = threading.Event(), threading.Event(), threading.Event()

    def deliver(message: CaptureMessage) -> None:
        if isinstance(message, CaptureBatch):
            stuck.set()
            release.wait(WAIT)  # a consumer that does not return
        if isinstance(message, CaptureEnded):
            ended.set()

    with link.inside(link.b):
        worker = CaptureWorker(live_source(link.b.interface), deliver)
        worker.start()
    deadline = time.monotonic() + WAIT
    while not stuck.wait(0.05):
        assert time.monotonic() < deadline, "the capture never delivered"
        link.send(link.a, [marker(link, READY)])
    worker.stop()
    assert worker.running  # still stuck in deliver: the capture was ended from here
    assert_nothing_left(link, private_tmp)
    release.set()
    assert ended.wait(WAIT)
    worker.stop()
    assert not worker.running


def error_after(link: VethPair, private_tmp: Path, interrupt: Callable[[], None]) -> str | None:
    """Start a capture, ``interrupt`` it; the error it ended with, once nothing is left of it."""
    capture = LiveRun(link)
    capture.send_until_seen(marker(link, READY))
    interrupt()
    ended = capture.wait_for_end()
    capture.stop()
    assert_nothing_left(link, private_tmp)
    return ended.error


def test_an_interface_that_goes_away_ends_the_capture_with_its_reason(
    link: VethPair, private_tmp: Path
) -> None:
    def delete_interface() -> None:
        subprocess.run(["ip", "-n", link.b.namespace, "link", "del", link.b.interface], check=True)

    assert error_after(link, private_tmp, delete_interface) == (
        f"the interface {link.b.interface} went away; the capture stopped"
    )


def test_tshark_killed_mid_run_is_reported_and_its_dumpcap_does_not_survive(
    link: VethPair, private_tmp: Path
) -> None:
    def kill_tshark() -> None:
        os.kill(tshark_pid(link), signal.SIGKILL)

    assert error_after(link, private_tmp, kill_tshark) == (
        f"tshark died (killed by SIGKILL); the capture on {link.b.interface} stopped"
    )


def test_a_tshark_a_whole_spool_ring_behind_skips_what_was_recycled_and_goes_on(
    link: VethPair, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tshark, "SPOOL_FILES", 2)
    monkeypatch.setattr(tshark, "SPOOL_FILE_KB", 64)  # a ring of about 440 packets
    capture = LiveRun(link)
    capture.send_until_seen(marker(link, READY))
    first = tshark_pid(link)
    flood = 100_000
    link.send(link.a, [pcapgen.frame_udp4(link.a.host, link.b.host, 1000)] * flood)
    capture.send_until_seen(marker(link, DONE))  # still capturing, by the same tshark
    assert capture.ended is None
    assert tshark_pid(link) == first
    assert sum(r.length == 1000 for r in capture.records) < flood  # some files were recycled
    capture.stop()
    assert capture.ended == CaptureEnded(None)
    assert_nothing_left(link, private_tmp)


def test_the_bpf_filter_reaches_dumpcap_as_one_argument(link: VethPair) -> None:
    capture = LiveRun(link, bpf_filter="udp and not port 22")
    ready = pcapgen.frame_udp4(link.a.host, link.b.host, 99)
    capture.send_until_seen(ready)
    kinds = every_kind(link.a.host, link.b.host)
    link.send(link.a, [frame for _, frame in kinds])
    capture.send_until_seen(pcapgen.frame_udp6(link.a.host, link.b.host, 101))
    capture.stop()
    assert {r.proto for r in capture.records} == {"UDP"}
    lengths = {r.length for r in capture.records}
    assert {len(dict(kinds)["udp4"]), len(dict(kinds)["udp6"])} <= lengths


def test_a_bad_filter_or_interface_is_a_usage_error(link: VethPair) -> None:
    with link.inside(link.b):
        bad_filter = live_source(link.b.interface, "udp prt 53")
        unknown = live_source("nosuch0")
    for source, words in ((bad_filter, "capture filter is not valid"), (unknown, "'nosuch0'")):
        with link.inside(link.b), pytest.raises(UsageError, match=words):
            source.run(lambda records: None, threading.Event())
    assert leftover_processes(link.b.interface) == []


def test_without_capture_rights_the_live_source_says_how_to_fix_it(link: VethPair) -> None:
    code = (
        "import threading\n"
        "from ntc_tui.capture.tshark import live_source\n"
        "from ntc_tui.errors import NtcError\n"
        "try:\n"
        f"    live_source({link.b.interface!r}).run(lambda r: None, threading.Event())\n"
        "except NtcError as error:\n"
        "    print(error.exit_code, error)\n"
    )
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "PYTHONPATH": str(REPO)}
    result = link.run(link.b, [*AS_NOBODY, sys.executable, "-c", code], env=env, cwd="/tmp")
    exit_code, _, sentence = result.stdout.strip().partition(" ")
    assert exit_code == "3", result
    assert sentence.startswith(
        f"not allowed to capture on {link.b.interface}: run ntc-tui with sudo"
    )
    assert leftover_processes(link.b.interface) == []
