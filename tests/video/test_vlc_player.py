"""libvlc as a renderer, without a screen: a real camera through the ingest and the relay into a
libvlc player (its dummy video output), pictures counted and snapshotted by libvlc, a close
that never waits on libvlc, and a clear error where libvlc refuses its options."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest
from rtsp_peer import FakeStreamConfig
from support import wait_until

from video.ingest import RtspIngestWorker
from video.ts_relay import TsRelayWorker
from video.vlc_player import ENGINE_OPTIONS, VlcEngine, VlcUnavailable

HEADLESS_OPTIONS = (*ENGINE_OPTIONS, "--vout=dummy")  # no window: libvlc decodes and "shows" into nothing


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.fixture
def engine():
    engine = VlcEngine.create(HEADLESS_OPTIONS)
    yield engine
    assert engine.close(), "libvlc players were still being released"


def test_libvlc_shows_and_snapshots_a_real_camera_and_closes_without_waiting(rtsp_server, engine, tmp_path):
    server = rtsp_server()
    relay = TsRelayWorker("cam1")
    relay.start()
    worker = RtspIngestWorker(FakeStreamConfig(url=server.url()), on_packet=relay.on_packet, decode_video=False)
    worker.start()
    player = engine.player("cam1", relay.read_fd, None)
    try:
        player.play()
        assert wait_until(lambda: player.displayed_pictures() >= 25, 20), player.displayed_pictures()
        assert player.video_size() == (640, 360)
        shown = player.displayed_pictures()
        assert wait_until(lambda: player.displayed_pictures() >= shown + 10, 5), "libvlc stopped showing pictures"
        snapshot = tmp_path / "snapshot.png"
        assert player.take_snapshot(snapshot)
        assert png_size(snapshot) == (640, 360)
        began = time.perf_counter()
        player.close()
        closing_took = time.perf_counter() - began
    finally:
        player.close()
        assert worker.stop(timeout=10)
        assert relay.stop()
    print(f"VlcPlayer.close returned in {closing_took * 1000:.1f} ms")
    assert closing_took < 0.05
    assert player.displayed_pictures() == 0 and player.video_size() is None
    assert not player.take_snapshot(tmp_path / "after-close.png")


def test_options_libvlc_refuses_give_one_clear_sentence():
    with pytest.raises(VlcUnavailable) as refused:
        VlcEngine.create((*ENGINE_OPTIONS, "--no-such-option"))
    message = str(refused.value)
    assert "refused the options" in message and "--no-such-option" in message
    assert "apt-get install libvlc5" in message  # the fix
    assert "\n" not in message


def test_libvlc_plays_on_from_the_same_pipe_after_the_camera_restarts(rtsp_server, engine):
    server = rtsp_server()
    relay = TsRelayWorker("cam1")
    relay.start()
    worker = RtspIngestWorker(FakeStreamConfig(url=server.url()), on_packet=relay.on_packet, decode_video=False)
    worker.start()
    player = engine.player("cam1", relay.read_fd, None)
    try:
        player.play()
        assert wait_until(lambda: player.displayed_pictures() >= 25, 20)
        server.kill()
        assert wait_until(lambda: worker.health().state.value == "signal_lost", 10)
        before = player.displayed_pictures()
        rtsp_server(port=server.port)  # a new session: the relay starts a new muxer on the same pipe
        assert wait_until(lambda: player.displayed_pictures() >= before + 50, 20), player.displayed_pictures() - before
        assert relay.status().sessions == 2
    finally:
        player.close()
        assert worker.stop(timeout=10)
        assert relay.stop()


def test_a_machine_without_libvlc_gets_one_clear_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "vlc", None)  # what `import vlc` meets where python-vlc or libvlc is missing
    with pytest.raises(VlcUnavailable) as missing:
        VlcEngine.create()
    message = str(missing.value)
    assert message.startswith("libvlc cannot be loaded") and "apt-get install libvlc5" in message
