"""Chaos: the RTSP camera server is killed and started again, round after round.

The camera is GStreamer's RTSP server (video/fake_camera_server.py), SIGKILLed and
restarted on the same port. Two pulls watch it: the console seat's video wall (its tile
has the stream from the config) and, in this process, an ``RtspIngestWorker`` (the same
ingest a tile runs) whose frames and health reports give the timings. Video has no
acknowledgement and no store here: what must hold is that the picture comes back.

After every round: the ingest reports ``signal_lost`` within ``LOST_WITHIN_S`` of the kill,
a new picture arrives within ``RTSP_BACK_S`` of the server's return, and the console
seat's event loop p99 (a seat decoding the same stream) stays under ``CONSOLE_P99_MS``.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the chaos helpers sit beside this file
sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import ROUNDS, gateway_config  # noqa: E402
from rtsp_peer import FakeStreamConfig, RtspTestServer, free_port  # noqa: E402
from support import wait_until  # noqa: E402

from video.health import StreamHealth, StreamState  # noqa: E402
from video.ingest import RtspIngestWorker  # noqa: E402
from video.restart_policy import BACKOFF_CAP_S, SIGNAL_LOST_AFTER_S  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

FIRST_PICTURE_S = 15.0
PLAY_S = 1.0
LOST_WITHIN_S = SIGNAL_LOST_AFTER_S + 1.0
# The next try comes at most BACKOFF_CAP_S after the server is back; the server then takes
# 1.3-2.3 s to its first key frame (docs/video.md), more on a loaded two-core machine.
RTSP_BACK_S = BACKOFF_CAP_S + 2.5 + 1.0


class Pictures:
    """Counts decoded frames and keeps health reports with their times (ingest thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.frames = 0
        self.healths: list[tuple[float, StreamState]] = []

    def on_frame(self, frame) -> None:
        with self._lock:
            self.frames += 1

    def on_health(self, health: StreamHealth) -> None:
        with self._lock:
            self.healths.append((time.monotonic(), health.state))

    def state_since(self, state: StreamState, after: float) -> float | None:
        with self._lock:
            return next((t for t, s in self.healths if t >= after and s is state), None)

    def count(self) -> int:
        with self._lock:
            return self.frames


def test_rtsp_server_kill_and_restart_brings_the_picture_back(broker, tmp_path):
    server = RtspTestServer(free_port(), ("cam1",))
    server.start()
    pictures = Pictures()
    worker = RtspIngestWorker(FakeStreamConfig(url=server.url()), on_frame=pictures.on_frame,  # type: ignore[arg-type]
                              on_health=pictures.on_health)
    stream = f'\n[[streams]]\nid = "cam1"\nname = "Chaos camera"\nkind = "fixed"\nurl = "{server.url()}"\n'
    config = gateway_config(tmp_path, broker.url, tmp_path / "mcv.sqlite3", stream)
    worker.start()
    try:
        assert wait_until(lambda: pictures.count() > 10, FIRST_PICTURE_S), "no picture from the camera"
        with ConsoleSeat(config, tmp_path) as seat:
            for number in range(1, ROUNDS + 1):
                check = RoundCheck("rtsp_restart", number)
                started = time.monotonic()
                time.sleep(PLAY_S)
                killed = time.monotonic()
                server.kill()
                lost = wait_until(lambda: pictures.state_since(StreamState.SIGNAL_LOST, killed), LOST_WITHIN_S + 5)
                lost_at = pictures.state_since(StreamState.SIGNAL_LOST, killed)
                check.require(lost and lost_at - killed <= LOST_WITHIN_S,
                              f"signal_lost not reported within {LOST_WITHIN_S:.1f} s of the kill")
                server.start()
                restarted = time.monotonic()
                before = pictures.count()
                back = None
                if wait_until(lambda: pictures.count() > before or not server.running, RTSP_BACK_S + 10,
                              interval_s=0.02) and not server.running:
                    # The test's GStreamer server died after saying READY (seen once in CI): a fault of the
                    # peer, not of the ingest under test. Start it again and time the recovery from there.
                    check.notes["server_died_after_restart"] = True
                    server.kill()
                    server.start()
                    restarted = time.monotonic()
                if wait_until(lambda: pictures.count() > before, RTSP_BACK_S + 10, interval_s=0.02):
                    back = time.monotonic()
                check.check_recovery("a new picture after the server's return", restarted, back, RTSP_BACK_S)
                check.finish(seat, started)
    finally:
        assert worker.stop(timeout=10), "the ingest did not stop"
        server.stop()
