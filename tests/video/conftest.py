"""Fixtures for the video tests: real RTSP servers and ingest workers, always cleaned up.

Every fixture stops what it started, and ``no_leftover_threads`` fails a test that leaves
an ingest or proxy thread running.
"""

from __future__ import annotations

import sys
from pathlib import Path
import threading
import time
from collections.abc import Callable, Iterator

import av
import pytest
sys.path.insert(0, str(Path(__file__).parent))  # rtsp_peer.py sits beside this file

from rtsp_peer import FakeStreamConfig, FreezableProxy, RtspTestServer, free_port

from video.health import StreamHealth, StreamState
from video.ingest import RtspIngestWorker

_OUR_THREADS = ("mcv-video-", "test-proxy-")


class IngestProbe:
    """Subscribes to one worker and records what it hands out, with arrival times."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.started_at = time.monotonic()
        self.frames = 0
        self.packets = 0
        self.first_frame_at: float | None = None
        self.last_frame: av.VideoFrame | None = None
        self.healths: list[tuple[float, StreamHealth]] = []

    def on_frame(self, frame: av.VideoFrame) -> None:
        with self._changed:
            self.frames += 1
            self.last_frame = frame
            if self.first_frame_at is None:
                self.first_frame_at = time.monotonic()
            self._changed.notify_all()

    def on_packet(self, packet: av.Packet) -> None:
        with self._changed:
            self.packets += 1

    def on_health(self, health: StreamHealth) -> None:
        with self._changed:
            self.healths.append((time.monotonic(), health))
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll-free wait until ``condition()`` holds (checked on every report)."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def wait_for_state(self, state: StreamState, timeout: float, after: float = 0.0) -> float | None:
        """Time at which ``state`` was first reported after ``after``, or ``None``."""

        def reported() -> float | None:
            return next((at for at, health in self.healths if at >= after and health.state is state), None)

        self.wait_for(lambda: reported() is not None, timeout)
        with self._changed:
            return reported()

    def wait_for_frames(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` more frames than now have arrived."""
        target = self.frames + count
        return self.wait_for(lambda: self.frames >= target, timeout)


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    yield
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        left = [t.name for t in threading.enumerate() if t.name.startswith(_OUR_THREADS)]
        if not left:
            return
        time.sleep(0.05)
    pytest.fail(f"threads left running after the test: {left}")


@pytest.fixture
def rtsp_server() -> Iterator[Callable[..., RtspTestServer]]:
    """Factory: start a GStreamer RTSP server (on a free port unless given); all stopped after."""
    servers: list[RtspTestServer] = []

    def start(port: int | None = None, mounts: tuple[str, ...] = ("cam1",), auth: str | None = None) -> RtspTestServer:
        server = RtspTestServer(port or free_port(), mounts, auth)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def camera(rtsp_server) -> RtspTestServer:
    """One camera (mount ``cam1``) on a GStreamer RTSP server, stopped after the test."""
    return rtsp_server()


@pytest.fixture
def proxy() -> Iterator[Callable[[int], FreezableProxy]]:
    """Factory: a freezable TCP relay to a port; all closed after."""
    proxies: list[FreezableProxy] = []

    def make(target_port: int) -> FreezableProxy:
        relay = FreezableProxy(target_port)
        proxies.append(relay)
        return relay

    yield make
    for relay in proxies:
        relay.close()


@pytest.fixture
def ingest() -> Iterator[Callable[..., tuple[RtspIngestWorker, IngestProbe]]]:
    """Factory: a started ingest worker for a URL and the probe subscribed to it."""
    workers: list[RtspIngestWorker] = []

    def start(url: str, **options: object) -> tuple[RtspIngestWorker, IngestProbe]:
        settings = {k: options.pop(k) for k in ("transport", "latency_ms", "id", "name") if k in options}
        probe = IngestProbe()
        worker = RtspIngestWorker(
            FakeStreamConfig(url=url, **settings),  # type: ignore[arg-type]
            on_frame=probe.on_frame,
            on_packet=probe.on_packet,
            on_health=probe.on_health,
            **options,  # type: ignore[arg-type]
        )
        workers.append(worker)
        worker.start()
        return worker, probe

    yield start
    for worker in workers:
        assert worker.stop(timeout=10), f"ingest of {worker.shown_url} did not stop within 10 s"


@pytest.fixture
def port() -> int:
    return free_port()
