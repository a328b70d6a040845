"""A Session replaying a file: what snapshots show between ticks, packet-time rates, the report."""

from __future__ import annotations

import time
from pathlib import Path

from ntc_tui.records import parse_address
from ntc_tui.session import CaptureState, DirectionSource, Session, SessionOptions
from tests.support import pcapgen

T0 = 1_760_000_000
ME = pcapgen.Host("02:00:00:00:00:01", "10.9.0.1", "fd09::1")
PEER = pcapgen.Host("02:00:00:00:00:02", "10.9.0.2", "fd09::2")
SECONDS = 5  # second s carries s + 1 frames of 500 bytes from PEER; a last one starts second 5


def replay_file(tmp_path: Path) -> Path:
    path = tmp_path / "replay.pcap"
    frames = [
        (T0 + s + n / 10, pcapgen.frame_udp4(PEER, ME, 500))
        for s in range(SECONDS)
        for n in range(s + 1)
    ]
    frames.append((T0 + SECONDS + 0.25, pcapgen.frame_udp4(ME, PEER, 100)))
    pcapgen.write_pcap(path, frames)
    return path


def replayed(options: SessionOptions) -> Session:
    """A session that has read all of its file (pumped, not yet ticked)."""
    session = Session(options)
    session.start()
    deadline = time.monotonic() + 60
    while not session.pump():
        assert time.monotonic() < deadline, "the replay never ended"
        time.sleep(0.01)
    return session


def test_snapshots_show_what_the_last_tick_folded_with_rates_in_packet_time(
    tmp_path: Path,
) -> None:
    session = replayed(
        SessionOptions(read_file=replay_file(tmp_path), host=(ME.ip4,), report_dir=None, utc=True)
    )
    assert session.state is CaptureState.STOPPED
    before = session.snapshot()  # everything pumped, nothing folded: nothing shows yet
    assert (before.inbound.bytes, before.inbound.rates.current, before.top) == (0, 0.0, ())
    session.tick()
    snapshot = session.snapshot()
    assert snapshot.now == T0 + SECONDS + 0.25  # the replay's own clock: its last packet
    assert snapshot.inbound.rates.current == SECONDS * 500  # the last complete second
    assert snapshot.inbound.rates.averages == (
        (4 + 5) * 500 / 2,
        sum(range(1, SECONDS + 1)) * 500 / SECONDS,  # five seconds of data, not ten
        sum(range(1, SECONDS + 1)) * 500 / SECONDS,
    )
    peer, me = parse_address(PEER.ip4), parse_address(ME.ip4)
    assert [(r.src, r.dst, r.rate) for r in snapshot.top] == [
        (peer, me, SECONDS * 500.0),  # its bytes in the last complete second, not 0
        (me, peer, 0.0),  # its only packet is in the second still in progress
    ]
    assert session.snapshot() == snapshot  # a redraw between ticks shows the same
    session.stop()


def test_a_replay_report_spans_the_packets_own_times(tmp_path: Path) -> None:
    session = replayed(
        SessionOptions(read_file=replay_file(tmp_path), report_dir=tmp_path, utc=True)
    )
    report = session.stop()
    assert report is not None
    last = T0 + SECONDS + 0.25
    assert report.name == time.strftime("ntc-%Y-%m-%d__%H-%M-%S.log", time.gmtime(last))
    text = report.read_text()
    assert f"Start : {time.strftime('%Y-%m-%d %H-%M-%S', time.gmtime(T0))} UTC" in text
    assert f"Stop  : {time.strftime('%Y-%m-%d %H-%M-%S', time.gmtime(last))} UTC" in text
    assert session.span == (T0 + 0.0, last)


def test_direction_says_where_its_addresses_come_from(tmp_path: Path) -> None:
    path = replay_file(tmp_path)
    local = replayed(SessionOptions(read_file=path, report_dir=None))
    assert local.direction_source is DirectionSource.LOCAL_ADDRESSES  # this machine's: say so
    assert "127.0.0.1" in local.addresses
    local.stop()
    given = replayed(SessionOptions(read_file=path, host=(ME.ip4, ME.mac), report_dir=None))
    assert given.direction_source is DirectionSource.HOST_OPTION
    assert given.addresses == (ME.ip4,)
    given.stop()
