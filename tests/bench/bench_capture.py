"""Capture benchmarks: pcap packets/s against tshark and pyshark, live loss on a veth pair."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ntc_tui.aggregate import Aggregator, HostAddresses
from ntc_tui.capture.psml import DISSECTION_ARGS, PREFERENCES
from ntc_tui.capture.tshark import file_source, live_source
from ntc_tui.capture.worker import CaptureBatch, CaptureEnded, CaptureMessage, CaptureWorker
from ntc_tui.records import PacketRecord
from tests.bench.common import Measurement, Row, format_table, rate
from tests.support import pcapgen
from tests.support.netns import VethPair

RUNS = 3
GENERATED_MAC_PREFIX = "02:00:00:00:"  # source MACs of pcapgen.mixed_traffic's hosts
LIVE_RATES = (20_000, 50_000, 100_000)
REPLAY_FILE_PACKETS = 100_000
BACKLOG_PACKETS = 500_000  # seconds of tshark's work, under one second to send


def _count(records: list[PacketRecord], total: list[int]) -> None:
    total[0] += len(records)


def _ours(path: Path) -> float:
    total = [0]
    start = time.perf_counter()
    file_source(path).run(lambda records: _count(records, total), threading.Event())
    return rate(total[0], time.perf_counter() - start)


def _tshark_alone(path: Path, packets: int) -> float:
    """tshark with exactly our columns and options, writing PSML nowhere: the ceiling."""
    argv = ["tshark", "-n", "-T", "psml", *DISSECTION_ARGS]
    for name, value in PREFERENCES.items():
        argv += ["-o", f"{name}:{value}"]
    start = time.perf_counter()
    subprocess.run(
        [*argv, "-r", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return rate(packets, time.perf_counter() - start)


def _pyshark_summaries(path: Path, packets: int) -> float:
    """pyshark's own summary mode (PacketSummary objects, apply_on_packets) with the same
    columns, its XML parser given only the minimal fix of #604/#648 (structure read once)."""
    import pyshark  # noqa: TID251 - the baseline is pyshark itself
    from pyshark.tshark.output_parser.tshark_xml import TsharkXmlParser  # noqa: TID251

    class StructureOnce(TsharkXmlParser):  # type: ignore[misc]
        async def get_packets_from_stream(self, stream, existing_data, got_first_packet=True):  # type: ignore[no-untyped-def]
            if self._psml_structure is None:
                existing_data += await self._get_psml_struct(stream)
            return await super(TsharkXmlParser, self).get_packets_from_stream(
                stream, existing_data, got_first_packet
            )

    class Summaries(pyshark.FileCapture):  # type: ignore[misc]
        def _setup_tshark_output_parser(self) -> TsharkXmlParser:
            return StructureOnce(parse_summaries=True)

    seen = [0]

    def touch(summary: object) -> None:
        seen[0] += 1
        getattr(summary, "src", None)
        getattr(summary, "proto", None)

    loop = asyncio.new_event_loop()  # given, so that pyshark leaves the child watcher alone
    capture = Summaries(
        str(path),
        only_summaries=True,
        override_prefs=PREFERENCES,
        custom_parameters=list(DISSECTION_ARGS),
        eventloop=loop,
    )
    # pyshark's own cleanup leaves asyncio's child watcher warning about an unknown child (pid,
    # "returncode 255"); only this baseline does it, and the warning is not a benchmark result.
    logging.getLogger("asyncio").setLevel(logging.ERROR)
    start = time.perf_counter()
    try:
        capture.apply_on_packets(touch)
    finally:
        capture.close()
        loop.close()
        logging.getLogger("asyncio").setLevel(logging.NOTSET)
    elapsed = time.perf_counter() - start
    if seen[0] != packets:
        raise RuntimeError(f"pyshark's summaries gave {seen[0]} of {packets} packets")
    return rate(packets, elapsed)


def file_rows(quick: bool) -> list[Row]:
    """Reading a mixed pcap end to end: ours, tshark alone and pyshark's summaries, interleaved."""
    packets = 30_000 if quick else 300_000
    baseline_packets = min(packets, 30_000 if quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp:
        path, head = Path(tmp) / "mixed.pcap", Path(tmp) / "head.pcap"
        pcapgen.write_pcap(path, pcapgen.mixed_traffic(packets))
        # the baseline reads a file of its own to the end: stopping pyshark early makes it kill
        # tshark and, under load, give up waiting for it
        pcapgen.write_pcap(head, itertools.islice(pcapgen.mixed_traffic(packets), baseline_packets))
        ours = Measurement("capture file_source (pyshark + PSML batch parser)", "packets/s")
        alone = Measurement("tshark -T psml, same columns, alone", "packets/s")
        stock = Measurement("pyshark summaries (PacketSummary)", "packets/s")
        for _ in range(RUNS):
            ours.samples.append(_ours(path))
            alone.samples.append(_tshark_alone(path, packets))
            stock.samples.append(_pyshark_summaries(head, baseline_packets))
    note = f"{packets:,} packets, 60–1514 B, IPv4/IPv6 TCP/UDP/ICMP, ARP, LLDP"
    return [
        Row("capture", ours, alone, note),
        Row("capture", ours, stock, f"baseline on the first {baseline_packets:,} packets"),
    ]


class _Consumer:
    """What a session does with the batches: aggregator add, a tick a second; counts ours."""

    def __init__(self, marker_mac: str) -> None:
        self.inbox: queue.SimpleQueue[CaptureMessage] = queue.SimpleQueue()
        self.marker_mac = marker_mac
        self.markers = 0
        self.generated = 0
        self.last_arrival = time.monotonic()
        self.ended: CaptureEnded | None = None
        self._aggregator = Aggregator(HostAddresses(frozenset(), None), utc=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last_tick = time.monotonic()
        while self.ended is None:
            try:
                message = self.inbox.get(timeout=0.2)
            except queue.Empty:
                message = None
            if isinstance(message, CaptureBatch):
                self._aggregator.add(message.records)
                for record in message.records:
                    mac = record.src_mac or ""
                    self.generated += mac.startswith(GENERATED_MAC_PREFIX)
                    self.markers += mac == self.marker_mac
                self.last_arrival = time.monotonic()
            elif isinstance(message, CaptureEnded):
                self.ended = message
            if time.monotonic() - last_tick >= 1.0:
                last_tick = time.monotonic()
                self._aggregator.tick(time.time())
                self._aggregator.snapshot(time.time(), 0, 40)

    def join(self) -> None:
        self._thread.join(5)


def _burst(link: VethPair, replay: Path, pps: int, seconds: float) -> tuple[float, float, float]:
    """One burst: (fraction of sent packets the live source never delivered, lag in seconds,
    seconds the worker took to stop afterwards)."""
    consumer = _Consumer(link.a.host.mac)
    with link.inside(link.b):
        worker = CaptureWorker(live_source(link.b.interface), consumer.inbox.put)
        worker.start()
    marker = pcapgen.frame_udp4(link.a.host, link.b.host, 100)
    while consumer.markers == 0:  # the capture is running once a marker came through
        link.send(link.a, [marker])
        time.sleep(0.05)
    packets = int(pps * seconds)
    output = link.run(
        link.a,
        [
            "tcpreplay",
            f"--pps={pps}",
            f"--loop={math.ceil(packets / REPLAY_FILE_PACKETS)}",
            f"--limit={packets}",
            "-i",
            link.a.interface,
            str(replay),
        ],
    ).stdout
    replay_end = time.monotonic()
    sent = int(re.search(r"Actual: (\d+) packets", output).group(1))  # type: ignore[union-attr]
    while consumer.generated < sent and time.monotonic() - consumer.last_arrival < 5:
        time.sleep(0.1)
    lag = max(0.0, consumer.last_arrival - replay_end)
    stopping = time.perf_counter()
    worker.stop()
    stop_seconds = time.perf_counter() - stopping
    consumer.join()
    return 1 - consumer.generated / sent, lag, stop_seconds


def _stop_under_backlog(link: VethPair, burst: Path) -> float:
    """Seconds worker.stop() takes right after a burst sent at top speed, while tshark is still
    seconds behind dumpcap (its backlog is dropped, not dissected)."""
    consumer = _Consumer(link.a.host.mac)
    with link.inside(link.b):
        worker = CaptureWorker(live_source(link.b.interface), consumer.inbox.put)
        worker.start()
    marker = pcapgen.frame_udp4(link.a.host, link.b.host, 100)
    while consumer.markers == 0:
        link.send(link.a, [marker])
        time.sleep(0.05)
    link.run(link.a, ["tcpreplay", "--topspeed", "-i", link.a.interface, str(burst)])
    stopping = time.perf_counter()
    worker.stop()
    seconds = time.perf_counter() - stopping
    consumer.join()
    return seconds


def live_rows(quick: bool) -> list[Row]:
    """Loss and lag of 10-second bursts (1 s when quick) replayed with tcpreplay on a veth pair,
    at 20k, 50k and 100k packets/s, with the session's aggregator consuming the batches."""
    if os.geteuid() != 0:
        return []
    rates = LIVE_RATES[:1] if quick else LIVE_RATES
    seconds = 1.0 if quick else 10.0
    runs = 1 if quick else RUNS
    rows = []
    stop = Measurement("live worker.stop() after a burst", "s", lower_is_better=True)
    backlog = Measurement("live worker.stop() under a backlog", "s", lower_is_better=True)
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp, VethPair() as link:
        replay = Path(tmp) / "replay.pcap"
        pcapgen.write_pcap(replay, pcapgen.mixed_traffic(REPLAY_FILE_PACKETS))
        burst = Path(tmp) / "burst.pcap"
        pcapgen.write_pcap(burst, pcapgen.mixed_traffic(BACKLOG_PACKETS))
        for _ in range(runs):
            backlog.samples.append(_stop_under_backlog(link, burst))
        for pps in rates:
            loss = Measurement(f"live loss at {pps:,} packets/s", "%", lower_is_better=True)
            lag = Measurement(f"live lag at {pps:,} packets/s", "s", lower_is_better=True)
            for _ in range(runs):
                lost, late, stop_seconds = _burst(link, replay, pps, seconds)
                loss.samples.append(100 * lost)
                lag.samples.append(late)
                stop.samples.append(stop_seconds)
            note = (
                f"{seconds:.0f} s bursts, aggregator consuming; lag = last packet after the burst"
            )
            rows += [Row("capture", loss, note=note), Row("capture", lag)]
    return [
        *rows,
        Row("capture", stop, note="all bursts; the contract is at most 1 s"),
        Row("capture", backlog, note=f"{BACKLOG_PACKETS:,} packets at top speed just sent"),
    ]


def run(quick: bool = False) -> list[Row]:
    """Every capture benchmark (about 4 minutes; quick: under 30 s)."""
    return file_rows(quick) + live_rows(quick)


if __name__ == "__main__":
    import sys

    print(format_table(run(quick="--quick" in sys.argv)))
