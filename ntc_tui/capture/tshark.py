"""Capture through pyshark (the only module that imports it): the live and file PacketSources."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from pyshark.capture.capture import Capture
from pyshark.capture.file_capture import FileCapture
from pyshark.capture.live_capture import LiveCapture
from pyshark.tshark.output_parser.base_parser import BaseTsharkOutputParser
from pyshark.tshark.tshark import TSharkNotFoundException, get_process_path

from ntc_tui.capture.interfaces import (
    ANY,
    TSHARK_MISSING,
    capture_error,
    list_interfaces,
    unknown_interface,
)
from ntc_tui.capture.psml import DISSECTION_ARGS, PREFERENCES, PsmlRows, read_structure
from ntc_tui.capture.source import Emit, PacketSource, Started, not_told, paced
from ntc_tui.capture.spool import SPOOL_FILE, SPOOL_NAME, SpoolFollower
from ntc_tui.errors import NtcError
from ntc_tui.records import PacketRecord

SNAPLEN = 256  # bytes kept per live frame: every header we read; frame.len stays the wire length
KERNEL_BUFFER_MIB = 64  # dumpcap's capture buffer: rides out moments when it gets no CPU
# dumpcap spools to a ring of files that tshark is fed from behind it: a backlog of up to 256 MB
# (about 900,000 snapped packets) is lag, not loss, and the spool never grows past it.
SPOOL_FILES = 8
SPOOL_FILE_KB = 32 * 1024
SPOOL_PREFIX = "ntc-tui-spool-"  # the spool directory of one capture
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
        self._processes: list[asyncio.subprocess.Process] = []  # tshark, and dumpcap when live
        self.abandoned = False  # stop was asked for: what tshark has not printed yet is unwanted

    def _setup_tshark_output_parser(self) -> _RecordBatchParser:
        return _RecordBatchParser()

    async def _get_tshark_process(
        self, packet_count: int | None = None, stdin: int | None = None
    ) -> asyncio.subprocess.Process:
        self._verify_capture_parameters()
        flush = ["-l"] if self.line_buffered else []
        parameters = [self._get_tshark_path(), *flush, "-n", "-T", "psml", *self.get_parameters()]
        process = await self._start(parameters, stdin=stdin, stdout=subprocess.PIPE)
        self._tshark = process
        return process

    async def _start(
        self, parameters: list[str], stdin: int | None, stdout: int
    ) -> asyncio.subprocess.Process:
        """Start a process of ours, its stderr read, in a process group of its own: not the
        terminal's, so that a Ctrl-C is ours to handle."""
        process = await asyncio.create_subprocess_exec(
            *parameters, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, process_group=0
        )
        self._processes.append(process)
        self._create_stderr_handling_task(process.stderr)
        self._created_new_process(parameters, process, Path(parameters[0]).name)
        return process

    async def _handle_process_stderr_forever(self, stderr: asyncio.StreamReader) -> None:
        while line := await stderr.readline():
            text = _PROGRAM_PREFIX.sub("", line.decode(errors="replace").strip())
            if text and not text.startswith(_IGNORED_STDERR) and not text.endswith(_IGNORED_ENDS):
                self.stderr_lines.append(text)

    def end_processes(self) -> None:
        """SIGKILL every process we started that is still there, from any thread (an exited one
        keeps its pid until it is reaped)."""
        for process in self._processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self._stop_helpers()

    def _stop_helpers(self) -> None:
        """Stop what runs beside the processes (the live capture's spool follower)."""

    async def close_async(self) -> None:
        """Replaces pyshark's cleanup. After a requested stop every process is killed at once:
        tshark would go on dissecting a backlog nobody reads. Otherwise tshark is asked with
        SIGTERM, so that it says why it ended; after the end of its output it is first given
        time to exit by itself, so that a crash is told apart from the normal end of a file.
        Then nothing we started is left."""
        process = self._tshark
        try:
            if process is not None:
                if self.abandoned:
                    self.end_processes()
                else:
                    await self._end_gracefully(process)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_ended(process), _EXIT_GRACE_SECONDS)
            await self._after_tshark()
        finally:
            self.end_processes()
            self._running_processes.clear()
        if self._stderr_handling_tasks:
            _, pending = await asyncio.wait(
                self._stderr_handling_tasks, timeout=_EXIT_GRACE_SECONDS
            )
            for reader in pending:
                reader.cancel()

    async def _end_gracefully(self, process: asyncio.subprocess.Process) -> None:
        if process.returncode is None and self._eof_reached:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_ended(process), _EXIT_GRACE_SECONDS)
        for send in (process.terminate, process.kill):
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    send()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_ended(process), _EXIT_GRACE_SECONDS)

    async def _after_tshark(self) -> None:
        """What else ends with tshark (the live capture's dumpcap and spool follower)."""

    @property
    def tshark_status(self) -> int | None:
        """tshark's exit status (negative: the signal that killed it); None if never started."""
        return None if self._tshark is None else self._tshark.returncode

    @property
    def stderr_text(self) -> str:
        return "\n".join(self.stderr_lines)


class _LiveSummaryCapture(_SummaryCapture, LiveCapture):  # type: ignore[misc]
    """A live capture as pyshark's LiveCapture makes it (dumpcap, then tshark reading its
    output), with a spool in between: dumpcap captures (snapped, a big kernel buffer, the BPF
    filter as one argument) into a ring of files in our directory, a follower copies them into
    a named pipe there, and tshark reads that (`-r PIPE`).

    pyshark 0.6 pipes dumpcap straight into `tshark -i -`, which starts a second dumpcap to read
    that pipe; at 100,000 packets/s that second dumpcap falls behind and the first one's kernel
    buffer overflows (5 % lost in a 10 s burst here). With the ring, overload becomes lag, not
    loss, up to the ring's size.
    """

    def __init__(
        self,
        interface: str,
        bpf_filter: str | None,
        spool_dir: str,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # LiveCapture.__init__ only adds `tshark -D` (1.5 s) to find the interfaces: we name it
        Capture.__init__(
            self,
            only_summaries=True,
            override_prefs=PREFERENCES,
            custom_parameters=list(DISSECTION_ARGS),
            eventloop=loop,
        )
        self.bpf_filter = bpf_filter
        self.monitor_mode = False
        self.interfaces = [interface]
        self.spool_dir = spool_dir
        self._init_summary()
        self._dumpcap: asyncio.subprocess.Process | None = None
        self._follower: SpoolFollower | None = None

    def _verify_capture_parameters(self) -> None:
        # pyshark asks `tshark -D`; the kernel's list of this namespace is enough.
        for name in self.interfaces:
            if name != ANY and name not in list_interfaces():
                raise unknown_interface(name)

    def _get_dumpcap_parameters(self) -> list[str]:
        parameters = ["-q"]
        for name in self.interfaces:
            parameters += ["-i", name]
        parameters += ["-s", str(SNAPLEN), "-B", str(KERNEL_BUFFER_MIB)]
        parameters += ["-w", str(Path(self.spool_dir, f"{SPOOL_NAME}.pcapng"))]
        parameters += ["-b", f"files:{SPOOL_FILES}", "-b", f"filesize:{SPOOL_FILE_KB}"]
        if self.bpf_filter:
            parameters += ["-f", self.bpf_filter]
        return parameters

    @property
    def _pipe(self) -> Path:
        """The named pipe tshark reads: its name says which interface the capture is of."""
        return Path(self.spool_dir, f"{'-'.join(self.interfaces)}.pcapng")

    def get_parameters(self, packet_count: int | None = None) -> list[str]:
        parameters: list[str] = Capture.get_parameters(self, packet_count=packet_count)
        return [*parameters, "-r", str(self._pipe)]

    async def _get_tshark_process(
        self, packet_count: int | None = None, stdin: int | None = None
    ) -> asyncio.subprocess.Process:
        self._verify_capture_parameters()
        dumpcap = get_process_path(process_name="dumpcap", tshark_path=self.tshark_path)
        self._dumpcap = await self._start(
            [dumpcap, *self._get_dumpcap_parameters()], stdin=None, stdout=subprocess.DEVNULL
        )
        os.mkfifo(self._pipe, 0o600)
        self._follower = SpoolFollower(self.spool_dir, self._pipe, self._dumpcap_running)
        self._follower.start()
        return await super()._get_tshark_process(packet_count)

    def _dumpcap_running(self) -> bool:
        return self._dumpcap is not None and self._dumpcap.returncode is None

    def _stop_helpers(self) -> None:
        if self._follower is not None:
            self._follower.halt()

    async def _after_tshark(self) -> None:
        loop_time = asyncio.get_running_loop().time
        self._stop_helpers()
        if self._dumpcap is not None:
            if self._dumpcap.returncode is None and not self.abandoned:
                with contextlib.suppress(ProcessLookupError):
                    self._dumpcap.terminate()  # so that it says why, if it was failing
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dumpcap.wait(), _EXIT_GRACE_SECONDS)
        self.end_processes()
        deadline = loop_time() + _EXIT_GRACE_SECONDS
        while self._follower is not None and self._follower.is_alive() and loop_time() < deadline:
            await asyncio.sleep(_STOP_POLL_SECONDS)  # its write fails once tshark has ended

    @property
    def dumpcap_status(self) -> int | None:
        """dumpcap's exit status (negative: the signal that killed it); None while it runs."""
        return None if self._dumpcap is None else self._dumpcap.returncode

    @property
    def capturing(self) -> bool:
        """Whether dumpcap has the interface open: it creates its first spool file after that."""
        return any(SPOOL_FILE.match(path.name) for path in Path(self.spool_dir).iterdir())


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
            custom_parameters=list(DISSECTION_ARGS),
            eventloop=loop,
        )
        self._init_summary()

    @property
    def capturing(self) -> bool:
        """Whether tshark is reading the file."""
        return self._tshark is not None


def _status(status: int | None) -> str:
    if status is not None and status < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


CaptureKind = _LiveSummaryCapture | _FileSummaryCapture


class TsharkSource:
    """A PacketSource over a pyshark capture, made in the thread that runs it."""

    def __init__(
        self,
        description: str,
        make_capture: Callable[[asyncio.AbstractEventLoop, str], CaptureKind],
        live: bool,
        realtime: bool = False,
    ) -> None:
        self.description = description
        self._make_capture = make_capture
        self._live = live
        self._realtime = realtime
        self._running: tuple[CaptureKind, str] | None = None  # the capture and its spool dir

    def run(self, emit: Emit, stop: threading.Event, started: Started = not_told) -> None:
        """Capture until the source ends or ``stop`` is set; see PacketSource.run."""
        loop = asyncio.new_event_loop()
        try:
            with tempfile.TemporaryDirectory(
                prefix=SPOOL_PREFIX, ignore_cleanup_errors=True
            ) as spool_dir:
                loop.run_until_complete(self._capture(loop, spool_dir, emit, stop, started))
        finally:
            loop.close()

    def abandon(self) -> None:
        """End tshark and dumpcap and remove the spool files from another thread, when ``run``
        did not return in time after ``stop`` (see PacketSource.abandon)."""
        running = self._running
        if running is not None:
            capture, spool_dir = running
            capture.end_processes()
            shutil.rmtree(spool_dir, ignore_errors=True)

    async def _capture(
        self,
        loop: asyncio.AbstractEventLoop,
        spool_dir: str,
        emit: Emit,
        stop: threading.Event,
        started: Started,
    ) -> None:
        if stop.is_set():
            return  # asked to stop before tshark was started: do not start it
        callback = paced(emit, stop) if self._realtime else emit
        try:
            capture = self._make_capture(loop, spool_dir)
            self._running = (capture, spool_dir)
            reading = asyncio.ensure_future(capture.packets_from_tshark(callback))
        except TSharkNotFoundException:
            raise NtcError(TSHARK_MISSING) from None
        watching = asyncio.ensure_future(_watch(capture, stop, started))
        try:
            await asyncio.wait({reading, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if stop.is_set():
                capture.abandoned = True
                capture.end_processes()
            for task in (reading, watching):
                task.cancel()
            results: list[BaseException | None] = await asyncio.gather(
                reading, watching, return_exceptions=True
            )
            await capture.close_async()  # again: pyshark skips it if starting tshark failed
            self._running = None
        outcome = results[0]
        if stop.is_set():
            return
        if isinstance(outcome, TSharkNotFoundException):
            raise NtcError(TSHARK_MISSING)
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(capture, _LiveSummaryCapture) or capture.tshark_status != 0:
            raise self._failure(capture)

    def _failure(self, capture: CaptureKind) -> NtcError:
        """Why the capture ended by itself, as one sentence for the user."""
        status = capture.tshark_status
        if isinstance(capture, _LiveSummaryCapture):
            for program, ended in (("tshark", status), ("dumpcap", capture.dumpcap_status)):
                if ended is not None and ended < 0 and ended != -signal.SIGTERM:
                    return NtcError(
                        f"{program} died ({_status(ended)}); the capture on {self.description} "
                        "stopped"
                    )
            return capture_error(self.description, capture.stderr_text)
        if status is not None and status < 0:
            return NtcError(f"tshark died ({_status(status)}) while reading {self.description}")
        reason = capture.stderr_lines[-1] if capture.stderr_lines else _status(status)
        return NtcError(f"tshark could not read {self.description}: {reason}")


async def _ended(process: asyncio.subprocess.Process) -> None:
    """Wait for ``process`` to end. asyncio counts it as ended only once its pipes are closed:
    what it printed and nobody read is read here (a paused pipe would never see its end)."""
    if process.stdout is not None:
        while await process.stdout.read(_READ_CHUNK):
            pass
    await process.wait()


async def _watch(capture: CaptureKind, stop: threading.Event, started: Started) -> None:
    """Return once ``stop`` is set; meanwhile tell ``started`` once the capture is capturing."""
    told = False
    while not stop.is_set():
        if not told and capture.capturing:
            started()
            told = True
        await asyncio.sleep(_STOP_POLL_SECONDS)


def live_source(interface: str, bpf_filter: str | None = None) -> PacketSource:
    """Capture on ``interface`` (or ``any``) through dumpcap and tshark; ``bpf_filter`` reaches
    dumpcap as one argument. The spool files live in a temporary directory of ours, removed at
    the end."""

    def make(loop: asyncio.AbstractEventLoop, spool_dir: str) -> CaptureKind:
        return _LiveSummaryCapture(interface, bpf_filter, spool_dir, loop)

    return TsharkSource(interface, make, live=True)


def file_source(path: Path, realtime: bool = False) -> PacketSource:
    """Read a pcap/pcapng file (gzip-compressed too); ``realtime`` paces it at recorded speed."""

    def make(loop: asyncio.AbstractEventLoop, spool_dir: str) -> CaptureKind:
        try:
            path.open("rb").close()
        except OSError as error:
            raise NtcError(f"cannot read {path}: {error.strerror or error}") from None
        if not path.is_file():
            raise NtcError(f"cannot read {path}: it is not a file")
        return _FileSummaryCapture(path, loop)

    return TsharkSource(path.name, make, live=False, realtime=realtime)
