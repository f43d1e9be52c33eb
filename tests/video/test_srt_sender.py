"""SrtSender with real peers: an ffmpeg encoder's MPEG-TS sent through libsrt (ctypes) to Debian's
ffmpeg listening for SRT as HQ, directly and through a UDP relay held to a rate; the received file
decoded with PyAV. The URL's options and the congestion reading are checked with plain values,
malformed and hostile ones included."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import FFMPEG, HqReceiver, read_received  # noqa: E402
from narrow_link import NarrowUdpLink  # noqa: E402
from rtsp_peer import free_port  # noqa: E402

from radios.child_process import die_with_parent  # noqa: E402
from video import srt_library as srt  # noqa: E402
from video.srt_sender import SrtCallerSettings, SrtError, SrtSender, SrtStats, link_full  # noqa: E402

PASSPHRASE = "vehicle-to-hq-2026"


def test_the_url_options_become_libsrt_options_in_libsrt_units():
    settings = SrtCallerSettings.from_url(
        "srt://hq.example:9000?streamid=publish:mcv-1/drone1&latency=800000&peer_idle_timeout=1500000"
        "&mode=caller&pbkeylen=32&maxbw=-1", passphrase=PASSPHRASE)
    options = dict(settings.options)
    assert (settings.host, settings.port) == ("hq.example", 9000)
    assert options[srt.SRTO_STREAMID] == "publish:mcv-1/drone1"
    assert options[srt.SRTO_LATENCY] == 800 and settings.latency_ms == 800
    assert options[srt.SRTO_PEERIDLETIMEO] == 1500 and options[srt.SRTO_PBKEYLEN] == 32
    assert options[srt.SRTO_MAXBW] == -1 and options[srt.SRTO_TRANSTYPE] == srt.SRTT_LIVE
    assert PASSPHRASE not in repr(settings) and settings.passphrase == PASSPHRASE
    assert SrtCallerSettings.from_url("srt://hq:9000").latency_ms == 120


@pytest.mark.parametrize("url, words", [
    ("srt://hq:9000?mode=listener", "mode=caller"),
    ("srt://hq:9000?transtype=file", "transtype"),
    ("srt://hq:9000?latency=lots", "whole number"),
    ("srt://hq:9000?latency=" + "9" * 40, "out of range"),
    ("srt://hq:9000?nosuchoption=1", "'nosuchoption'"),
    ("srt://hq:9000?streamid=" + "x" * 600, "512"),
    ("srt://hq?latency=1", "srt://host:port"),
    ("rtmp://hq:9000/live", "srt://host:port"),
    ("srt://hq:99999", "valid"),
    ("srt://[::1:9000", "valid"),
    ("srt://hq:9000?passphrase=short", "10 to 79"),
    ("srt://hq:9000?\x00\x1b[31m=\xff", "does not know"),
])
def test_a_malformed_or_hostile_url_is_refused_with_the_option_named(url, words):
    with pytest.raises(ValueError) as refused:
        SrtCallerSettings.from_url(url)
    assert words in str(refused.value) and len(str(refused.value)) < 300


def reading(at: float, **figures: int) -> SrtStats:
    return SrtStats(at, **figures)


def test_a_full_link_is_read_from_the_send_buffer_retransmissions_and_drops():
    before = reading(0, sent_packets=1000, retransmitted_packets=10, dropped_packets=2)
    clean = reading(1, sent_packets=1100, retransmitted_packets=12, dropped_packets=2, buffered_ms=8)
    assert not link_full(before, clean, 120)
    assert link_full(before, reading(1, sent_packets=1100, retransmitted_packets=12, dropped_packets=2,
                                     buffered_ms=140), 120)
    assert link_full(before, reading(1, sent_packets=1300, retransmitted_packets=140, dropped_packets=2), 120)
    assert link_full(before, reading(1, sent_packets=1100, retransmitted_packets=10, dropped_packets=5), 120)
    # readings of two different connections (counters went back) say nothing
    assert not link_full(clean, reading(2, sent_packets=5, retransmitted_packets=0, buffered_ms=2), 120)
    assert not link_full(before, before, 120)


@pytest.fixture
def hq(tmp_path):
    started: list[HqReceiver] = []

    def make(passphrase: str | None = None) -> HqReceiver:
        receiver = HqReceiver("srt", free_port(), tmp_path, passphrase).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


def encoder(kbps: int) -> subprocess.Popen[bytes]:
    """An ffmpeg encoding a test picture in real time to MPEG-TS on its stdout."""
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
         "-i", "testsrc2=size=640x360:rate=25", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps // 2}k", "-g", "50",
         "-f", "mpegts", "-flush_packets", "1", "pipe:1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, preexec_fn=die_with_parent)


def push(sender: SrtSender, kbps: int, seconds: float) -> tuple[int, list[SrtStats]]:
    """Send ``seconds`` of the encoder's stream; returns the bytes handed to SRT and a reading per second."""
    child = encoder(kbps)
    handed, readings, pending = 0, [sender.stats()], b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            data = os.read(child.stdout.fileno(), 65536)
            if not data:
                break
            pending += data
            whole = len(pending) // 188 * 188
            handed += sender.send(pending[:whole])
            pending = pending[whole:]
            if time.monotonic() - readings[-1].at >= 1.0:
                readings.append(sender.stats())
    finally:
        child.kill()
        child.wait(5)
        child.stdout.close()
    return handed, readings


def test_a_stream_sent_through_a_clear_link_arrives_decodable_and_the_figures_add_up(hq):
    receiver = hq()
    link = NarrowUdpLink(receiver.port, 4000)
    sender = SrtSender(SrtCallerSettings.from_url(f"srt://127.0.0.1:{link.port}?latency=120000"))
    try:
        sender.connect()
        handed, readings = push(sender, 1000, 5.0)
        time.sleep(0.3)  # the last acknowledgements
        last = sender.stats()
    finally:
        sender.close()
        link.close()
    assert wait_until(lambda: receiver.process.poll() is not None, 10)  # HQ saw the publish end
    receiver.stop()
    got = read_received(receiver.path)
    assert got.frames >= 75 and (got.width, got.height) == (640, 360), got
    # The figures read through ctypes are the ones of this transfer: a wrong layout would shift them.
    # libsrt counts 44 bytes of headers (IPv4, UDP, SRT) with each packet's payload.
    unique_packets = last.sent_packets - last.retransmitted_packets
    assert last.unique_bytes == handed + 44 * unique_packets and handed > 400_000
    assert last.unique_bytes <= last.sent_bytes <= last.unique_bytes * 1.05
    assert handed / 1316 <= unique_packets <= handed / 1316 * 1.5  # full 1316-byte messages, and each read's tail
    assert 0 <= last.lost_packets <= last.sent_packets * 0.02 and last.dropped_packets == 0
    assert 0 < last.rtt_ms < 200 and 0 <= last.buffered_ms < 60
    assert 0.5 < max(r.send_mbps for r in readings[1:]) < 3.0
    assert not any(link_full(a, b, 120) for a, b in zip(readings[1:], readings[2:]))


def test_a_link_narrower_than_the_stream_reads_as_full_and_carries_only_its_rate(hq):
    receiver = hq()
    link = NarrowUdpLink(receiver.port, 700)
    sender = SrtSender(SrtCallerSettings.from_url(f"srt://127.0.0.1:{link.port}?latency=120000"))
    try:
        sender.connect()
        _, readings = push(sender, 1500, 6.0)
        passed = link.passed_kbps(3.0)
    finally:
        sender.close()
        link.close()
    full = [link_full(a, b, 120) for a, b in zip(readings[2:], readings[3:])]
    assert full and all(full), readings
    assert passed <= 700 * 1.1 and link.dropped > 0
    print(f"\nfull link: {[(r.buffered_ms, r.retransmitted_packets) for r in readings]}, relay {passed:.0f} kb/s")


def test_a_wrong_passphrase_is_rejected_with_libsrts_reason_and_the_right_one_connects(hq):
    receiver = hq(PASSPHRASE)
    wrong = SrtSender(SrtCallerSettings.from_url(receiver.url, passphrase="not-the-passphrase"))
    try:
        with pytest.raises(SrtError) as refused:
            wrong.connect()
    finally:
        wrong.close()
    assert refused.value.reject == srt.SRT_REJ_BADSECRET and "BADSECRET" in str(refused.value)
    assert "not-the-passphrase" not in str(refused.value)
    receiver.stop()
    receiver.start()
    right = SrtSender(SrtCallerSettings.from_url(receiver.url, passphrase=PASSPHRASE))
    try:
        right.connect()
        handed, _ = push(right, 800, 2.0)
    finally:
        right.close()
    assert handed > 50_000


def test_a_port_nobody_answers_gives_a_timeout_reason():
    sender = SrtSender(SrtCallerSettings.from_url(f"srt://127.0.0.1:{free_port()}?connect_timeout=800"))
    started = time.monotonic()
    try:
        with pytest.raises(SrtError) as refused:
            sender.connect()
    finally:
        sender.close()
    assert refused.value.reject == srt.SRT_REJ_TIMEOUT and "TIMEOUT" in str(refused.value)
    assert time.monotonic() - started < 3.0


def test_an_unknown_host_is_an_error_naming_it():
    sender = SrtSender(SrtCallerSettings.from_url("srt://no-such-host.invalid:9000"))
    try:
        with pytest.raises(SrtError, match="no-such-host.invalid"):
            sender.connect()
    finally:
        sender.close()


def test_a_lost_connection_is_an_error_and_close_is_idempotent(hq):
    receiver = hq()
    sender = SrtSender(SrtCallerSettings.from_url(receiver.url + "?peer_idle_timeout=1000000"))
    try:
        sender.connect()
        push(sender, 800, 1.0)
        receiver.kill()  # no SRT shutdown: the caller notices by its peer idle timeout
        packet = b"\x47" + bytes(187)
        with pytest.raises(SrtError, match="connection lost"):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                sender.send(packet * 7)
                time.sleep(0.01)
    finally:
        sender.close()
        sender.close()
    assert sender.stats().sent_packets == 0  # closed: no figures
