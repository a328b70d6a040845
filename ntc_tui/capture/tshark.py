"""Capture through pyshark (the only module that imports it): the live and file PacketSources."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from pyshark.capture.capture import Capture
from pyshark.capture.file_capture import FileCapture
from pyshark.capture.live_capture import LiveCapture
from pyshark.tshark.output_parser.base_parser import BaseTsharkOutputParser
from pyshark.tshark.tshark import TSharkNotFoundException

from ntc_tui.capture.interfaces import (
    ANY,
    TSHARK_MISSING,
    capture_error,
    list_interfaces,
    unknown_interface,
)
from ntc_tui.capture.psml import DISSECTION_ARGS, PREFERENCES, PsmlRows, read_structure
from ntc_tui.capture.source import Emit, PacketSource, paced
from ntc_tui.errors import NtcError
from ntc_tui.records import PacketRecord

SNAPLEN = 256  # bytes kept per live frame: every header we read; frame.len stays the wire length
KERNEL_BUFFER_MIB = 64  # dumpcap's capture buffer: rides out moments when it gets no CPU
# dumpcap spools to a ring of files that tshark reads behind it: a backlog of up to 256 MB
# (about 900,000 snapped packets) is lag, not loss, and the spool never grows past it.
SPOOL_FILES = 8
SPOOL_FILE_KB = 32 * 1024
# tshark keeps per-capture dissector state (wmem file scope) for as long as it runs: about 10 bytes
# a packet even with the dissection cut short. Resetting its session every so many packets keeps a
# long live run's memory flat; nothing we read depends on state across packets.
SESSION_RESET_ARGS = ("-M", "250000")
SPOOL_PREFIX = "ntc-tui-spool-"  # the spool directory; it names every process we start
_STOP_POLL_SECONDS = 0.05
_EXIT_GRACE_SECONDS = 1.0
_READ_CHUNK = 1 << 20
# tshark's and dumpcap's chatter on stderr that says nothing about a failure
_IGNORED_STDERR = ("Running as user", "Capturing on", "File:", "** (")
_PROGRAM_PREFIX = re.compile(r"^(tshark|dumpcap):\s*")
_IGNORED_ENDS = ("captured", "dropped")


class _RecordBatchParser(BaseTsharkOutputParser):  # type: ignore[misc]
    """pyshark's summary parser, fixed and batched.

    pyshark runs tshark in summary mode (PSML) with this project's columns (capture.psml). The
    0.6 parser looks for the PSML structure again on every call and swallows the stream (one
    packet from a file, a hang live: upstream #604, #648); this one reads it once per capture
    and turns every complete row of a read into a PacketRecord, so that one event-loop round
    trip carries a whole batch instead of one packet.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rows = PsmlRows()
        self._in_rows = False

    async def get_packets_from_stream(
        self, stream: asyncio.StreamReader, existing_data: bytes, got_first_packet: bool = True
    ) -> tuple[list[PacketRecord] | None, bytes]:
        data = await stream.read(_READ_CHUNK)
        if not data:
            raise EOFError
        data = existing_data + data
        if not self._in_rows:
            end = read_structure(data)
            if end is None:
                return None, data
            self._in_rows, data = True, data[end:]
        records, rest = self._rows.feed(data)
        return records or None, rest


class _SummaryCapture(Capture):  # type: ignore[misc]
    """What both capture kinds change in pyshark: tshark started with our options, our parser,
    stderr kept for the error message, and a cleanup that leaves no process on any path."""

    line_buffered = True  # tshark -l: each packet's row as soon as it is dissected

    def _init_summary(self) -> None:
        self.stderr_lines: collections.deque[str] = collections.deque(maxlen=200)
        self._tshark: asyncio.subprocess.Process | None = None

    def _setup_tshark_output_parser(self) -> _RecordBatchParser:
        return _RecordBatchParser()

    async def _get_tshark_process(
        self, packet_count: int | None = None, stdin: int | None = None
    ) -> asyncio.subprocess.Process:
        self._verify_capture_parameters()
        flush = ["-l"] if self.line_buffered else []
        parameters = [self._get_tshark_path(), *flush, "-n", "-T", "psml", *self.get_parameters()]
        process = await asyncio.create_subprocess_exec(
            *parameters, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._tshark = process
        self._create_stderr_handling_task(process.stderr)
        self._created_new_process(parameters, process)
        return process

    async def _handle_process_stderr_forever(self, stderr: asyncio.StreamReader) -> None:
        while line := await stderr.readline():
            text = _PROGRAM_PREFIX.sub("", line.decode(errors="replace").strip())
            if text and not text.startswith(_IGNORED_STDERR) and not text.endswith(_IGNORED_ENDS):
                self.stderr_lines.append(text)

    async def close_async(self) -> None:
        """Replaces pyshark's cleanup (SIGKILL, which orphans tshark's dumpcap): tshark is asked
        with SIGTERM, so that it stops its dumpcap; SIGKILL only if it does not end. After the
        end of its output it is first given time to exit by itself, so that a crash is told
        apart from the normal end of a file."""
        process = self._tshark
        if process is not None:
            if process.returncode is None and self._eof_reached:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), _EXIT_GRACE_SECONDS)
            for send in (process.terminate, process.kill):
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        send()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(process.wait(), _EXIT_GRACE_SECONDS)
            await process.wait()
        self._running_processes.clear()
        if self._stderr_handling_tasks:
            _, pending = await asyncio.wait(
                self._stderr_handling_tasks, timeout=_EXIT_GRACE_SECONDS
            )
            for reader in pending:  # held open by an orphan, which the source ends next
                reader.cancel()

    @property
    def tshark_status(self) -> int | None:
        """tshark's exit status (negative: the signal that killed it); None if never started."""
        return None if self._tshark is None else self._tshark.returncode

    @property
    def stderr_text(self) -> str:
        return "\n".join(self.stderr_lines)


class _LiveSummaryCapture(_SummaryCapture, LiveCapture):  # type: ignore[misc]
    """`tshark -i IFACE`: tshark's own dumpcap captures (snapped, big kernel buffer, the BPF
    filter as one argument) into a ring of spool files in our directory, and tshark dissects
    from them as they are written (-P).

    pyshark 0.6 instead pipes a dumpcap of its own into `tshark -i -`, which starts a second
    dumpcap to read that pipe; at 100,000 packets/s that second dumpcap falls behind and the
    first one's kernel buffer overflows (5 % lost in a 10 s burst here), and its spool file
    grows for as long as the capture runs. With one dumpcap that only writes the ring,
    overload becomes lag, not loss, up to the ring's size.
    """

    def __init__(
        self,
        interface: str,
        bpf_filter: str | None,
        spool_dir: str,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        LiveCapture.__init__(
            self,
            interface=interface,
            bpf_filter=bpf_filter,
            only_summaries=True,
            override_prefs=PREFERENCES,
            custom_parameters=[*DISSECTION_ARGS, *SESSION_RESET_ARGS],
            eventloop=loop,
        )
        self.spool_dir = spool_dir
        self._init_summary()

    def _verify_capture_parameters(self) -> None:
        # pyshark asks `tshark -D` a second time; the kernel's list of this namespace is enough.
        for name in self.interfaces:
            if name != ANY and name not in list_interfaces():
                raise unknown_interface(name)

    def get_parameters(self, packet_count: int | None = None) -> list[str]:
        parameters: list[str] = Capture.get_parameters(self, packet_count=packet_count)
        for name in self.interfaces:
            parameters += ["-i", name]
        parameters += ["-s", str(SNAPLEN), "-B", str(KERNEL_BUFFER_MIB)]
        parameters += ["-P", "-w", str(Path(self.spool_dir, "spool.pcapng"))]
        parameters += ["-b", f"files:{SPOOL_FILES}", "-b", f"filesize:{SPOOL_FILE_KB}"]
        if self.bpf_filter:
            parameters += ["-f", self.bpf_filter]
        return parameters


class _FileSummaryCapture(_SummaryCapture, FileCapture):  # type: ignore[misc]
    """`tshark -r FILE`, without -l: line flushing costs a third of tshark's speed on a file."""

    line_buffered = False

    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop) -> None:
        FileCapture.__init__(
            self,
            input_file=str(path),
            keep_packets=False,
            only_summaries=True,
            override_prefs=PREFERENCES,
            custom_parameters=[*DISSECTION_ARGS, *SESSION_RESET_ARGS],
            eventloop=loop,
        )
        self._init_summary()


def _status(status: int | None) -> str:
    if status is not None and status < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


def _end_strays(token: str) -> None:
    """Kill what is left of our processes: tshark's dumpcap outlives a tshark that was killed
    (it only notices on its next packet). Every process we start carries ``token`` (the spool
    directory) in its command line."""
    needle = token.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)


class TsharkSource:
    """A PacketSource over a pyshark capture, made in the thread that runs it."""

    def __init__(
        self,
        description: str,
        make_capture: Callable[[asyncio.AbstractEventLoop, str], _SummaryCapture],
        live: bool,
        realtime: bool = False,
    ) -> None:
        self.description = description
        self._make_capture = make_capture
        self._live = live
        self._realtime = realtime

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Capture until the source ends or ``stop`` is set; see PacketSource.run."""
        loop = asyncio.new_event_loop()
        try:
            while not self._capture_once(loop, emit, stop):
                pass  # tshark fell a whole spool ring behind dumpcap: capture again at once
        finally:
            loop.close()

    def _capture_once(
        self, loop: asyncio.AbstractEventLoop, emit: Emit, stop: threading.Event
    ) -> bool:
        """One run of tshark in a spool directory of its own; False if it must start again."""
        with tempfile.TemporaryDirectory(prefix=SPOOL_PREFIX) as spool_dir:
            try:
                return loop.run_until_complete(self._capture(loop, spool_dir, emit, stop))
            finally:
                _end_strays(spool_dir)

    async def _capture(
        self, loop: asyncio.AbstractEventLoop, spool_dir: str, emit: Emit, stop: threading.Event
    ) -> bool:
        callback = paced(emit, stop) if self._realtime else emit
        try:
            capture = self._make_capture(loop, spool_dir)
            reading = asyncio.ensure_future(capture.packets_from_tshark(callback))
        except TSharkNotFoundException:
            raise NtcError(TSHARK_MISSING) from None
        stopping = asyncio.ensure_future(_wait_for(stop))
        try:
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reading, stopping):
                task.cancel()
            results: list[BaseException | None] = await asyncio.gather(
                reading, stopping, return_exceptions=True
            )
            await capture.close_async()  # again: pyshark skips it if starting tshark failed
        outcome = results[0]
        if stop.is_set():
            return True
        if isinstance(outcome, TSharkNotFoundException):
            raise NtcError(TSHARK_MISSING)
        if isinstance(outcome, BaseException):
            raise outcome
        if self._live and _spool_overrun(capture.stderr_lines, spool_dir):
            return False
        if self._live or capture.tshark_status != 0:
            raise self._failure(capture)
        return True

    def _failure(self, capture: _SummaryCapture) -> NtcError:
        """Why the capture ended by itself, as one sentence for the user."""
        status = capture.tshark_status
        killed = status is not None and status < 0
        if self._live and not killed:
            return capture_error(self.description, capture.stderr_text)
        if killed and self._live:
            return NtcError(
                f"tshark died ({_status(status)}); the capture on {self.description} stopped"
            )
        if killed:
            return NtcError(f"tshark died ({_status(status)}) while reading {self.description}")
        reason = capture.stderr_lines[-1] if capture.stderr_lines else _status(status)
        return NtcError(f"tshark could not read {self.description}: {reason}")


def _spool_overrun(stderr_lines: Iterable[str], spool_dir: str) -> bool:
    """Whether tshark stopped because dumpcap had already recycled the next spool file."""
    return any(f'"{spool_dir}/' in line and "doesn't exist" in line for line in stderr_lines)


async def _wait_for(stop: threading.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(_STOP_POLL_SECONDS)


def live_source(interface: str, bpf_filter: str | None = None) -> PacketSource:
    """Capture on ``interface`` (or ``any``) through tshark; ``bpf_filter`` reaches dumpcap as
    one argument. The spool files live in a temporary directory of ours, removed at the end."""

    def make(loop: asyncio.AbstractEventLoop, spool_dir: str) -> _SummaryCapture:
        return _LiveSummaryCapture(interface, bpf_filter, spool_dir, loop)

    return TsharkSource(interface, make, live=True)


def file_source(path: Path, realtime: bool = False) -> PacketSource:
    """Read a pcap/pcapng file (gzip-compressed too); ``realtime`` paces it at recorded speed."""

    def make(loop: asyncio.AbstractEventLoop, spool_dir: str) -> _SummaryCapture:
        try:
            path.open("rb").close()
        except OSError as error:
            raise NtcError(f"cannot read {path}: {error.strerror or error}") from None
        if not path.is_file():
            raise NtcError(f"cannot read {path}: it is not a file")
        return _FileSummaryCapture(path, loop)

    return TsharkSource(path.name, make, live=False, realtime=realtime)
