"""RtspIngestWorker against a real GStreamer RTSP server: picture, health, loss, recovery.

Waits are generous and event-driven (the probe wakes on every report), so the tests hold
on a busy two-core machine; the timing goals themselves are asserted with a margin.
"""

from __future__ import annotations

import logging
import socket
import time

import av
import pytest
from rtsp_peer import FakeStreamConfig

from video.frames import frame_to_rgb
from video.health import StreamState
from video.ingest import READ_TIMEOUT_S, RtspIngestWorker
from video.restart_policy import SIGNAL_LOST_AFTER_S

FIRST_FRAME_WITHIN_S = 5.0
LOST_REPORTED_WITHIN_S = SIGNAL_LOST_AFTER_S + 0.5
RECOVERY_WITHIN_S = 8.0  # the goal is 2 s; a loaded test machine gets slack
STOP_WITHIN_S = 1.0


def test_plays_with_health_and_stops_promptly(rtsp_server, ingest):
    server = rtsp_server()
    worker, probe = ingest(server.url())

    assert probe.wait_for_frames(1, FIRST_FRAME_WITHIN_S), "no picture from the test server"
    first_picture_s = probe.first_frame_at - probe.started_at
    assert probe.wait_for_frames(60, 6.0)
    health = worker.health()
    assert health.state is StreamState.PLAYING
    assert health.fps == pytest.approx(25, abs=4)
    assert (health.width, health.height, health.codec) == (640, 360, "h264")
    assert health.bitrate_kbps > 0
    assert health.frame_age_s is not None and health.frame_age_s < 0.5
    assert health.reconnects == 0 and health.last_error is None
    assert probe.packets >= probe.frames
    assert probe.healths[0][1].state in (StreamState.CONNECTING, StreamState.PLAYING)

    frame = probe.last_frame
    assert isinstance(frame, av.VideoFrame)
    image = frame_to_rgb(frame, 320, 180)
    assert (image.width, image.height) == (320, 180)
    assert len(image.data) == image.stride * image.height and image.stride >= 320 * 3

    started = time.monotonic()
    assert worker.stop(timeout=5)
    stop_s = time.monotonic() - started
    assert stop_s < STOP_WITHIN_S
    assert worker.stop(timeout=0)  # idempotent
    assert probe.healths[-1][1].state is StreamState.STOPPED
    print(f"first picture {first_picture_s:.2f} s, stop {stop_s * 1000:.0f} ms")


def test_plays_over_udp(rtsp_server, ingest):
    server = rtsp_server()
    worker, probe = ingest(server.url(), transport="udp")
    assert probe.wait_for_frames(25, FIRST_FRAME_WITHIN_S + 2)
    assert worker.health().state is StreamState.PLAYING


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_server_killed_is_lost_then_back(rtsp_server, ingest, transport):
    server = rtsp_server()
    worker, probe = ingest(server.url(), transport=transport)
    assert probe.wait_for_frames(10, FIRST_FRAME_WITHIN_S)

    killed_at = time.monotonic()
    server.kill()
    lost_at = probe.wait_for_state(StreamState.SIGNAL_LOST, LOST_REPORTED_WITHIN_S + 1, after=killed_at)
    assert lost_at is not None, f"no signal_lost; reports: {[h.state for _, h in probe.healths]}"
    assert lost_at - killed_at < LOST_REPORTED_WITHIN_S
    assert worker.health().last_error

    back_at = time.monotonic()
    server.start()
    frames_before = probe.frames
    assert probe.wait_for(lambda: probe.frames > frames_before, RECOVERY_WITHIN_S), "no picture after restart"
    recovery_s = time.monotonic() - back_at
    assert probe.wait_for_state(StreamState.PLAYING, 2.0, after=back_at) is not None
    assert worker.health().reconnects >= 1
    print(f"{transport}: lost after {lost_at - killed_at:.2f} s, picture back after {recovery_s:.2f} s")


def test_silent_network_is_noticed_and_recovers(rtsp_server, proxy, ingest):
    server = rtsp_server()
    relay = proxy(server.port)
    worker, probe = ingest(f"rtsp://127.0.0.1:{relay.port}/cam1", open_timeout_s=2.0)
    assert probe.wait_for_frames(10, FIRST_FRAME_WITHIN_S)

    frozen_at = time.monotonic()
    relay.freeze()  # sockets stay open, nothing moves: the read hangs inside FFmpeg
    lost_at = probe.wait_for_state(StreamState.SIGNAL_LOST, LOST_REPORTED_WITHIN_S + 1, after=frozen_at)
    assert lost_at is not None and lost_at - frozen_at < LOST_REPORTED_WITHIN_S
    # The hung read times out and the worker starts reconnecting through the dead link.
    assert probe.wait_for(lambda: worker.health().last_error is not None, 2 * READ_TIMEOUT_S + 2)

    thawed_at = time.monotonic()
    relay.thaw()
    frames_before = probe.frames
    assert probe.wait_for(lambda: probe.frames > frames_before, RECOVERY_WITHIN_S), "no picture after the link came back"
    assert worker.health().reconnects >= 1
    print(f"silent link: lost after {lost_at - frozen_at:.2f} s, back {time.monotonic() - thawed_at:.2f} s after thaw")


def test_credentials_work_and_never_reach_logs_or_health(rtsp_server, ingest, caplog):
    caplog.set_level(logging.DEBUG)
    secret, wrong = "s3cret-Pw", "wr0ng-Pw"
    server = rtsp_server(auth=f"operator:{secret}")
    good, good_probe = ingest(server.url(userinfo=f"operator:{secret}"), id="good")
    bad, bad_probe = ingest(server.url(userinfo=f"operator:{wrong}"), id="bad")

    assert good_probe.wait_for_frames(5, FIRST_FRAME_WITHIN_S)
    assert bad_probe.wait_for(lambda: bad.health().last_error is not None, 5.0)
    assert "refused the user name or password" in bad.health().last_error
    attempts = bad.health().reconnects
    time.sleep(2.0)  # a refusal is asked again only after REFUSED_RETRY_S, never twice a second
    assert bad.health().reconnects == attempts
    assert bad_probe.frames == 0
    assert good.stop(timeout=5) and bad.stop(timeout=5)

    reports = [repr(h) for probe in (good_probe, bad_probe) for _, h in probe.healths]
    for password in (secret, wrong):
        assert password not in caplog.text
        assert not any(password in text for text in reports)
    assert "operator:****@127.0.0.1" in caplog.text
    assert good.shown_url == server.url(userinfo="operator:****")


def test_unknown_path_is_explained(rtsp_server, ingest):
    server = rtsp_server()
    worker, probe = ingest(server.url("no-such-camera"))
    assert probe.wait_for(lambda: worker.health().last_error is not None, 5.0)
    assert "no stream at this path" in worker.health().last_error


def _silent_listener() -> socket.socket:
    """A TCP port that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(8)
    return listener


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://127.0.0.1:{closed}/cam1",
        "rtsp://127.0.0.1:{silent}/cam1",
        "rtsp://",
        "rtsp://[::bad/cam1",
        "garbage://not-a-camera",
        "no url at all",
    ],
)
def test_bad_sources_give_an_error_state_and_stay_stoppable(ingest, port, url):
    with _silent_listener() as silent:
        url = url.format(closed=port, silent=silent.getsockname()[1])
        worker, probe = ingest(url, open_timeout_s=1.0, read_timeout_s=1.0)
        assert probe.wait_for(lambda: worker.health().last_error is not None, 5.0), f"no error for {url}"
        health = worker.health()
        assert health.state in (StreamState.RECONNECTING, StreamState.SIGNAL_LOST)
        assert probe.frames == 0
        print(f"{url!r}: {health.last_error}")
        started = time.monotonic()
        assert worker.stop(timeout=5)
        # A handshake hung on a silent port ends only at FFmpeg's open timeout.
        assert time.monotonic() - started < 1.5
    assert probe.healths[-1][1].state is StreamState.STOPPED


def test_a_source_without_video_is_explained(tmp_path, ingest):
    audio_only = tmp_path / "tone.wav"
    with av.open(str(audio_only), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame(format="s16", layout="mono", samples=800)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    worker, probe = ingest(str(audio_only))
    assert probe.wait_for(lambda: worker.health().last_error is not None, 5.0)
    assert "no video" in worker.health().last_error


def test_a_failing_subscriber_does_not_stop_the_stream(rtsp_server, caplog):
    server = rtsp_server()
    calls = []

    def broken_subscriber(frame: av.VideoFrame) -> None:
        calls.append(frame.pts)
        raise ValueError("subscriber bug")

    worker = RtspIngestWorker(FakeStreamConfig(url=server.url()), on_frame=broken_subscriber)
    worker.start()
    try:
        deadline = time.monotonic() + FIRST_FRAME_WITHIN_S + 3
        while len(calls) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) >= 30
        assert worker.health().state is StreamState.PLAYING
    finally:
        assert worker.stop(timeout=5)
    assert caplog.text.count("subscriber raised") == 1


def test_sub_stream_is_chosen_and_start_twice_is_refused():
    settings = FakeStreamConfig(url="rtsp://u:main-pw@127.0.0.1:9/main", sub_url="rtsp://u:sub-pw@127.0.0.1:9/sub")
    assert RtspIngestWorker(settings, sub_stream=True).shown_url == "rtsp://u:****@127.0.0.1:9/sub"
    assert RtspIngestWorker(settings).shown_url == "rtsp://u:****@127.0.0.1:9/main"
    without_sub = FakeStreamConfig(url="rtsp://127.0.0.1:9/main")
    assert RtspIngestWorker(without_sub, sub_stream=True).shown_url == "rtsp://127.0.0.1:9/main"

    never_started = RtspIngestWorker(settings)
    assert never_started.stop(timeout=0)
    assert never_started.health().state is StreamState.CONNECTING

    worker = RtspIngestWorker(settings)
    worker.start()
    try:
        with pytest.raises(RuntimeError):
            worker.start()
    finally:
        assert worker.stop(timeout=5)


def test_accepts_the_config_files_stream_settings():
    from radios.config import StreamConfig

    config = StreamConfig(id="drone1", name="Drone 1", kind="drone", url="rtsp://pilot:pw123@10.0.0.9/live")
    assert RtspIngestWorker(config).shown_url == "rtsp://pilot:****@10.0.0.9/live"
