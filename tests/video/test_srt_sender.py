"""The SRT sender child (``mcv srt-send``) with real peers: an ffmpeg encoder's MPEG-TS piped into
it, sent through libsrt to Debian's ffmpeg listening for SRT as HQ, directly and through a UDP
relay held to a rate; the received file decoded with PyAV. The gateway's side (``SrtPushWorker``)
reads the child's figures and failures. The URL's options, the congestion reading and the
child's report lines are checked with plain values, malformed and hostile ones included."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import FFMPEG, HqReceiver, read_received  # noqa: E402
from narrow_link import NarrowUdpLinkProcess  # noqa: E402
from rtsp_peer import free_port  # noqa: E402

from radios.child_process import die_with_parent  # noqa: E402
from radios.config import DispatchConfig  # noqa: E402
from video import srt_library as srt  # noqa: E402
from video.dispatch_target import DispatchTarget  # noqa: E402
from video.srt_push import SrtPushWorker, sender_command  # noqa: E402
from video.srt_report import (  # noqa: E402
    MAX_LINE, SETTINGS, SenderFailure, failure_line, parse_line, stats_line,
)
from video.srt_sender import SrtCallerSettings, SrtStats, link_full  # noqa: E402

PASSPHRASE = "vehicle-to-hq-2026"
FIRST_READING_TIMEOUT_S = 20.0  # the child's start (a Python interpreter) and SRT's handshake, under load


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


def test_the_childs_lines_read_back_as_written():
    stats = SrtStats(123.5, sent_packets=10, unique_bytes=13_600, rtt_ms=1.5, buffered_ms=3)
    assert parse_line(stats_line(stats).rstrip(b"\n")) == stats
    failure = SenderFailure("SRT: connection failed; reject reason BADSECRET", "srt", 1002, 10)
    assert parse_line(failure_line(failure)) == failure
    long = failure_line(SenderFailure("\U0001f600\x1b" * 5000, "srt"))
    assert len(long) <= MAX_LINE and "\x1b" not in parse_line(long).text


@pytest.mark.parametrize("raw", [
    b"", b"\xff\xfe", b"null", b"[]", b"42", b'"text"', b"{", b"[" * 100_000, b"{}" + b" " * 5000,
    b'{"error": 5, "kind": "srt"}', b'{"error": "x", "kind": "other"}', b'{"error": "x", "kind": "srt", "code": "1"}',
    b'{"error": "x", "kind": "srt", "reject": 1e400}', b'{"error": "x", "kind": "srt", "code": true}',
    b'{"at": 1.0}', b'{"at": "1", "sent_packets": 0}',
    json.dumps({**json.loads(stats_line(SrtStats(1.0))), "sent_packets": -1}).encode(),
    json.dumps({**json.loads(stats_line(SrtStats(1.0))), "sent_packets": 1 << 70}).encode(),
    json.dumps({**json.loads(stats_line(SrtStats(1.0))), "rtt_ms": "NaN"}).encode(),
    json.dumps({**json.loads(stats_line(SrtStats(1.0))), "buffered_ms": True}).encode(),
    stats_line(SrtStats(1.0)).replace(b"Infinity", b"x").replace(b'"rtt_ms":0.0', b'"rtt_ms":Infinity'),
    b"Traceback (most recent call last):",
])
def test_a_malformed_or_hostile_line_from_the_child_is_nothing(raw):
    assert parse_line(raw) is None


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


@pytest.fixture
def pushes():
    """Start an encoder and its sender child to ``url``; every one is ended and reaped afterwards."""
    started: list[tuple[subprocess.Popen[bytes], SrtPushWorker]] = []

    def make(url: str, kbps: int = 1000, passphrase: str | None = None) -> SrtPushWorker:
        target = DispatchTarget.for_stream(DispatchConfig(url=url, password=passphrase), "test-1", "cam1")
        source = encoder(kbps)
        pusher = SrtPushWorker(source, target, "cam1")
        started.append((source, pusher))
        return pusher

    yield make
    for source, pusher in started:
        end(source, pusher)


def end(source: subprocess.Popen[bytes], pusher: SrtPushWorker) -> None:
    """The encoder ends (as the ffmpeg child does when its push stops): the sender child follows."""
    if source.poll() is None:
        source.terminate()
    source.wait(10)
    pusher.finish()


def test_a_stream_sent_through_a_clear_link_arrives_decodable_and_the_figures_add_up(hq, pushes):
    receiver = hq()
    link = NarrowUdpLinkProcess(receiver.port, 4000)
    try:
        pusher = pushes(f"srt://127.0.0.1:{link.port}?latency=120000", kbps=1000)
        assert wait_until(lambda: pusher.sending(), FIRST_READING_TIMEOUT_S), pusher.failure()
        started = time.monotonic()
        assert wait_until(lambda: time.monotonic() - started > 3 and len(pusher.readings()) >= 4, 20)
        full = []  # a busy machine may hold HQ's acknowledgements up for a moment: judged over 3 s
        while time.monotonic() - started < 6:
            full.append(pusher.link_full())
            time.sleep(0.25)
        readings = pusher.readings()
        kbps = pusher.kbps()
    finally:
        link.close()
    assert sum(full) <= len(full) // 4 and 500 < kbps < 2000, (kbps, full, readings)
    # The figures read through ctypes in the child are the ones of this transfer: a wrong layout would
    # shift them. libsrt counts 44 bytes of headers (IPv4, UDP, SRT) with each packet's payload. Judged
    # over the steady seconds: the first ones carry at once what queued while the child started.
    first, last = readings[0], readings[-1]
    sent = last.sent_packets - first.sent_packets
    unique_packets = sent - (last.retransmitted_packets - first.retransmitted_packets)
    unique_bytes = last.unique_bytes - first.unique_bytes
    assert unique_packets * 44 < unique_bytes <= unique_packets * (1316 + 44), (first, last)
    assert unique_bytes <= last.sent_bytes - first.sent_bytes <= unique_bytes * 1.05
    assert 0 <= last.lost_packets - first.lost_packets <= sent * 0.02, (first, last)
    assert last.dropped_packets == first.dropped_packets
    assert last.lost_packets <= last.sent_packets * 0.2 and last.unique_bytes <= last.sent_bytes
    assert 0 < statistics.median(r.rtt_ms for r in readings) < 200
    assert 0 <= statistics.median(r.buffered_ms for r in readings) < 60, readings
    assert all(b.at - a.at < 1.5 for a, b in zip(readings, readings[1:]))  # a reading every half second
    assert sum(link_full(a, b, 120) for a, b in zip(readings, readings[1:])) <= 1, readings
    assert pusher.failure() is None
    assert wait_until(lambda: receiver.size() > 100_000, 10)


def test_a_link_narrower_than_the_stream_reads_as_full_and_carries_only_its_rate(hq, pushes):
    receiver = hq()
    link = NarrowUdpLinkProcess(receiver.port, 700)
    try:
        pusher = pushes(f"srt://127.0.0.1:{link.port}?latency=120000", kbps=1500)
        assert wait_until(lambda: pusher.sending(), FIRST_READING_TIMEOUT_S), pusher.failure()
        assert wait_until(pusher.link_full, 15), pusher.readings()
        full_since = time.monotonic()
        samples = []
        while time.monotonic() - full_since < 3:
            samples.append(pusher.link_full())
            time.sleep(0.25)
        carried = pusher.carried_kbps()
        passed, dropped = link.passed_kbps(3.0), link.dropped
    finally:
        link.close()
    assert sum(samples) >= 0.8 * len(samples), samples
    assert passed <= 700 * 1.1 and dropped > 0
    assert carried < pusher.kbps()  # while full, what arrived is guessed low
    print(f"\nfull link: {[(r.buffered_ms, r.retransmitted_packets) for r in pusher.readings()]}, "
          f"relay {passed:.0f} kb/s, carried (guess) {carried:.0f} kb/s")


def test_a_wrong_passphrase_is_refused_in_a_sentence_and_no_secret_is_on_the_childs_command_line(hq, pushes):
    receiver = hq(PASSPHRASE)
    pusher = pushes(receiver.url, passphrase="not-the-passphrase")
    cmdline = Path(f"/proc/{pusher.pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pusher.pid}/environ").read_bytes()
    for secret in (b"not-the-passphrase", b"srt://", str(receiver.port).encode()):
        assert secret not in cmdline and secret not in environ
    assert cmdline.split(b"\0")[-3:-1] == [b"--settings-fd", cmdline.split(b"\0")[-2]]
    assert wait_until(pusher.ended, 20)
    pusher.finish()
    sentence = pusher.failure()
    assert "refused the SRT passphrase" in sentence and f"127.0.0.1:{receiver.port}" in sentence
    assert "not-the-passphrase" not in sentence


def test_the_right_passphrase_connects_and_hq_decodes_the_stream(hq, pushes, tmp_path):
    receiver = hq(PASSPHRASE)
    pusher = pushes(receiver.url, kbps=800, passphrase=PASSPHRASE)
    assert wait_until(lambda: receiver.size() > 150_000, FIRST_READING_TIMEOUT_S), pusher.failure()
    pusher.stop()  # SIGTERM: the child closes the connection, so HQ sees the publish end
    assert wait_until(pusher.ended, 10)
    pusher.finish()
    assert pusher.failure() is None
    assert wait_until(lambda: receiver.process.poll() is not None, 10)
    receiver.stop()
    got = read_received(receiver.path)
    assert got.frames >= 25 and (got.width, got.height) == (640, 360), got


def test_a_port_nobody_answers_gives_a_sentence_saying_so(pushes):
    pusher = pushes(f"srt://127.0.0.1:{free_port()}?connect_timeout=800")
    assert wait_until(pusher.ended, 20)
    pusher.finish()
    assert "did not answer" in pusher.failure()


def test_an_unknown_host_is_a_sentence_naming_it(pushes):
    pusher = pushes("srt://no-such-host.invalid:9000")
    assert wait_until(pusher.ended, 20)
    pusher.finish()
    assert "no-such-host.invalid" in pusher.failure() and "unknown" in pusher.failure()


def test_a_lost_connection_is_a_sentence(hq, pushes):
    receiver = hq()
    pusher = pushes(receiver.url + "?peer_idle_timeout=1000000", kbps=800)
    assert wait_until(pusher.sending, FIRST_READING_TIMEOUT_S), pusher.failure()
    receiver.kill()  # no SRT shutdown: the caller notices by its peer idle timeout
    assert wait_until(pusher.ended, 15)
    pusher.finish()
    assert "did not answer or went away" in pusher.failure()


@pytest.mark.parametrize("how", [signal.SIGSEGV, signal.SIGKILL])
def test_a_sender_child_that_crashes_is_a_sentence_and_the_encoder_ends_too(hq, pushes, how):
    receiver = hq()
    pusher = pushes(receiver.url, kbps=800)
    assert wait_until(pusher.sending, FIRST_READING_TIMEOUT_S), pusher.failure()
    os.kill(pusher.pid, how)
    assert wait_until(pusher.ended, 10)
    pusher.finish()
    assert how.name in pusher.failure() and f"127.0.0.1:{receiver.port}" in pusher.failure()


@pytest.mark.parametrize("settings", [b"", b"not json", b"[]", b'{"url": 5}', b'{"url": "srt://hq:1?x=1"}',
                                      b'{"url": "srt://hq:9000", "passphrase": "short"}', b"{" * 70_000])
def test_settings_the_child_cannot_use_end_it_with_one_line_naming_them(settings):
    read, write = os.pipe()
    child = subprocess.Popen([*sender_command(), "--settings-fd", str(read)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(read,),
                             preexec_fn=die_with_parent)
    os.close(read)
    try:
        os.write(write, settings[:60_000])
    finally:
        os.close(write)
    out, err = child.communicate(timeout=30)
    said = parse_line(out.strip())
    assert child.returncode == 2 and isinstance(said, SenderFailure) and said.kind == SETTINGS, (out, err)
    assert b"short" not in out and len(out.splitlines()) == 1 and not err


def test_the_sender_child_loads_neither_pyav_nor_qt():
    """libsrt links the system's gnutls; PyAV's wheel bundles its own: they must never share a process."""
    probe = ("import sys\nfrom console.cli import main\nstatus = main(['srt-send', '--settings-fd', '99'])\n"
             "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('av', 'PySide6', 'vlc')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "2 []", (done.stdout, done.stderr)
