"""DispatchWorker and DispatchService with real parts: the GStreamer test camera pulled over RTSP,
pushed by ffmpeg to an ffmpeg listening as HQ (SRT and RTMP on loopback), the received file
decoded with PyAV."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import HqReceiver, read_received  # noqa: E402
from rtsp_peer import FakeStreamConfig, free_port  # noqa: E402

from radios.config import DispatchConfig  # noqa: E402
from video.dispatch_policy import COPY, TRANSCODE, DispatchPlan  # noqa: E402
from video.dispatch_service import DispatchService  # noqa: E402
from video.dispatch_target import DispatchTarget  # noqa: E402
from video.dispatch_worker import (  # noqa: E402
    CAMERA_WORDS, FAILED, SENDING, TRANSCODING, WAITING_BACKHAUL, DispatchWorker)
from video.health import StreamState  # noqa: E402

PASSPHRASE = "vehicle-to-hq-2026"
SOURCE_TIMEOUT_S = 15.0
SEND_TIMEOUT_S = 20.0


@pytest.fixture
def receivers(tmp_path):
    started: list[HqReceiver] = []

    def make(kind: str = "srt", passphrase: str | None = None) -> HqReceiver:
        receiver = HqReceiver(kind, free_port(), tmp_path, passphrase).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


@pytest.fixture
def workers():
    started: list[DispatchWorker] = []

    def make(camera, url: str, passphrase: str | None = None, plan: DispatchPlan | None = None) -> DispatchWorker:
        target = DispatchTarget.for_stream(DispatchConfig(url=url, password=passphrase), "test-1", "cam1")
        worker = DispatchWorker(FakeStreamConfig(url=camera.url()), target, plan=plan)
        started.append(worker)
        worker.start()
        return worker

    yield make
    for worker in started:
        assert worker.stop(10), f"dispatch of {worker.stream_id} did not stop"


def wait_state(worker: DispatchWorker, *states: str, timeout: float = SEND_TIMEOUT_S) -> bool:
    return wait_until(lambda: worker.status().state in states, timeout)


def test_a_camera_goes_to_an_srt_listener_as_it_is_and_hq_decodes_it(camera, receivers, workers):
    hq = receivers("srt")
    worker = workers(camera, hq.url + "?streamid={vehicle}/{stream}", plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, SENDING), worker.status()
    assert wait_until(lambda: worker.status().out_kbps > 0, 5)
    assert wait_until(lambda: hq.size() > 100_000, 10)
    worker.stop(10)
    hq.stop()
    received = read_received(hq.path)
    assert (received.width, received.height) == (640, 360)  # the camera's own picture: not re-encoded
    assert received.frames >= 10


def test_a_camera_goes_to_an_rtmp_listener_and_hq_decodes_it(camera, receivers, workers):
    hq = receivers("rtmp")
    worker = workers(camera, hq.url, plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, SENDING), worker.status()
    assert wait_until(lambda: hq.size() > 100_000, 10)
    worker.stop(10)
    hq.stop()
    received = read_received(hq.path)
    assert (received.width, received.height) == (640, 360)
    assert received.frames >= 10


def test_a_budget_below_the_source_forces_a_transcode_that_hq_receives_within_it(camera, receivers):
    hq = receivers("srt")
    events: list[tuple[str, str]] = []
    service = DispatchService(DispatchConfig(url=hq.url, stream_kbps=400, total_kbps=400), "test-1",
                              [FakeStreamConfig(url=camera.url())], on_event=lambda *e: events.append(e))
    try:
        assert service.request("cam1", "start") is None
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] == [TRANSCODING], SEND_TIMEOUT_S), \
            service.snapshot()
        status = service.snapshot().streams[0]
        assert status.source_kbps > 400  # the camera sends about 2 Mbit/s
        assert status.mode == TRANSCODE and status.height is not None and status.height <= 360
        assert wait_until(lambda: hq.size() > 80_000, 10)
        measured = service.snapshot().streams[0].out_kbps
        assert 0 < measured <= 400
    finally:
        service.stop()
    hq.stop()
    received = read_received(hq.path)
    assert received.height is not None and received.height <= 360 and received.frames >= 10
    assert received.kbps <= 400, f"HQ received {received.kbps:.0f} kb/s for a 400 kb/s budget"
    assert any("re-encoded to" in text for _, text in events), events


def test_a_killed_listener_that_comes_back_gets_the_stream_again(camera, receivers, workers, tmp_path):
    hq = receivers("rtmp")
    worker = workers(camera, hq.url, plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, SENDING), worker.status()
    hq.kill()
    assert wait_state(worker, FAILED, timeout=10), worker.status()
    assert "127.0.0.1" in worker.status().detail
    hq.start()  # the same port, a new file
    assert wait_state(worker, SENDING), worker.status()
    assert wait_until(lambda: hq.size() > 50_000, 10)


def test_a_refused_passphrase_is_a_clear_state_and_the_camera_plays_on(camera, receivers, workers, ingest):
    hq = receivers("srt", passphrase=PASSPHRASE)
    watcher, probe = ingest(camera.url())  # a seat's tile on the same camera
    worker = workers(camera, hq.url, passphrase="not-the-passphrase", plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, FAILED), worker.status()
    detail = worker.status().detail
    assert "refused the SRT passphrase" in detail and "password_file" in detail
    assert "not-the-passphrase" not in detail
    assert probe.wait_for_frames(25, 10)  # the wall is not affected


def test_the_srt_passphrase_is_on_no_command_line_and_hq_decodes_the_stream(camera, receivers, workers):
    hq = receivers("srt", passphrase=PASSPHRASE)
    worker = workers(camera, hq.url, passphrase=PASSPHRASE, plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, SENDING), worker.status()
    child = worker._child
    assert child is not None
    command_line = Path(f"/proc/{child.pid}/cmdline").read_bytes()
    assert PASSPHRASE.encode() not in command_line and b"srt://" not in command_line
    sender = worker._pusher  # the SRT sender child: the passphrase came over a pipe, not argv nor environ
    assert sender is not None
    for seen in (Path(f"/proc/{sender.pid}/cmdline").read_bytes(), Path(f"/proc/{sender.pid}/environ").read_bytes()):
        assert PASSPHRASE.encode() not in seen and b"srt://" not in seen
    assert wait_until(lambda: hq.size() > 100_000, 10)
    assert worker.status().out_kbps > 500  # SRT's own figures: the camera's ~2.1 Mbit/s going out
    worker.stop(10)
    hq.stop()
    assert read_received(hq.path).frames > 10


def test_a_url_nobody_answers_is_a_clear_state(camera, workers):
    worker = workers(camera, f"srt://127.0.0.1:{free_port()}", plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, FAILED), worker.status()
    assert "did not answer" in worker.status().detail


def test_the_push_stops_while_the_backhaul_is_down_and_resumes_when_it_returns(camera, receivers):
    hq = receivers("rtmp")
    changed = threading.Event()
    roomy = DispatchConfig(url=hq.url, stream_kbps=6000, total_kbps=6000)  # the camera's ~2.2 Mbit/s goes as it is
    service = DispatchService(roomy, "test-1", [FakeStreamConfig(url=camera.url())], on_change=changed.set)
    try:
        service.on_backhaul("up")
        service.request("cam1", "start")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] == [SENDING], SEND_TIMEOUT_S), \
            service.snapshot()
        service.on_backhaul("down")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] == [WAITING_BACKHAUL], 10)
        assert wait_until(lambda: hq.process.poll() is not None, 10)  # the push ended: HQ's listener saw it go
        assert service.snapshot().budget_kbps == 0
        hq.stop()
        hq.start()
        service.on_backhaul("up")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] == [SENDING], SEND_TIMEOUT_S), \
            service.snapshot()
        assert wait_until(lambda: hq.size() > 50_000, 10)
    finally:
        service.stop()


def test_a_refusing_server_is_retried_with_backoff_and_logged_once(camera):
    events: list[tuple[str, str]] = []
    failures: list[str] = []
    roomy = DispatchConfig(url=f"rtmp://127.0.0.1:{free_port()}/live/{{stream}}", stream_kbps=6000, total_kbps=6000)
    service = DispatchService(roomy, "test-1", [FakeStreamConfig(url=camera.url())],
                              on_event=lambda *e: events.append(e))
    try:
        service.request("cam1", "start", by="commander")
        assert wait_until(lambda: failures.append(service.snapshot().streams[0].detail)
                          or len({d for d in failures if "trying again in" in d}) >= 2, SEND_TIMEOUT_S), failures
    finally:
        service.stop()
    assert "refused the connection" in failures[-1]
    logged = [text for severity, text in events if severity == "warning"]
    assert len(logged) == 1 and "refused the connection" in logged[0] and "trying again" not in logged[0]


def test_an_srt_listener_that_vanishes_and_returns_gets_the_stream_again(camera, receivers, workers):
    hq = receivers("srt")
    worker = workers(camera, hq.url + "?peer_idle_timeout=1500000", plan=DispatchPlan("cam1", COPY, 3000))
    assert wait_state(worker, SENDING), worker.status()
    hq.kill()  # no SRT shutdown: the caller notices by its peer idle timeout (1.5 s here, 5 s by default)
    assert wait_state(worker, FAILED, timeout=15), worker.status()
    hq.start()
    assert wait_state(worker, SENDING), worker.status()
    assert wait_until(lambda: hq.size() > 50_000, 10)


def test_every_camera_state_reads_as_words_in_a_pushs_detail():
    assert set(CAMERA_WORDS) == set(StreamState)
    assert all(words and "_" not in words for words in CAMERA_WORDS.values())
