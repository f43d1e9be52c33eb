"""The tile overlay's figures: the REC dot the gateway's catalogue switches, the live frames/s
and console delay of a playing stream, and the time since the last picture once it is lost
(offscreen Qt, the GStreamer RTSP test server, a main window fed bus payloads by hand)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from support import write_config

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig  # noqa: E402

from console.bus_client import BusClient  # noqa: E402
from console.main_window import MainWindow  # noqa: E402
from radios.bus_settings import BusSettings  # noqa: E402
from radios.config import load_config  # noqa: E402
from radios.schema import GatewayStatus, Topics  # noqa: E402
from radios.stream_catalogue import announce  # noqa: E402
from video.health import StreamState  # noqa: E402

FIRST_PICTURE_MS = 8000
CONFIGURED = '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\nurl = "rtsp://127.0.0.1:9/mast"\n'


def rec_red_pixels(tile) -> int:
    """Red pixels of the REC mark: the right end of the title bar."""
    image = tile.grab().toImage()
    bar = tile.fontMetrics().height() + 8
    return sum(1 for x in range(image.width() - 90, image.width()) for y in range(0, bar)
               if (c := image.pixelColor(x, y)).red() > 200 and c.green() < 100 and c.blue() < 100)


@pytest.fixture
def window(tmp_path, broker, qtbot):
    config = load_config(write_config(tmp_path, broker, CONFIGURED))
    bus = BusClient(BusSettings("127.0.0.1", 1, "test-rec"), Topics("test-1"), source="console@test")  # never started
    window = MainWindow(config, bus, "commander", QSettings(str(tmp_path / "seat.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window, bus
    window.video_wall.stop()


def hand_over(bus: BusClient, qtbot, signal, topic: str, payload: bytes) -> None:
    """Deliver one bus message as the bus thread would."""
    with qtbot.waitSignal(signal, timeout=2000):
        bus._on_bus_message(topic, payload, True)


def test_the_rec_dot_follows_the_gateways_catalogue(window, qtbot):
    window, bus = window
    tile = window.video_wall.tiles["mast-1"]
    qtbot.waitUntil(tile.isVisible, timeout=2000)
    assert not tile.recording and rec_red_pixels(tile) == 0
    entry = announce("gateway", "mast-1", "Mast", "mast", "rtsp://127.0.0.1:9/mast", "config", recording=True)

    hand_over(bus, qtbot, bus.stream_announced, bus.topics.video("mast-1"), entry.encode())
    assert tile.recording
    assert tile.accessibleName().endswith("· REC")
    assert "REC: the gateway is recording this stream as evidence" in tile.toolTip()
    assert rec_red_pixels(tile) > 15, "a red dot and REC at the end of the title bar"

    offline = GatewayStatus.create("gateway", state="offline", version="test", started=entry.ts)
    hand_over(bus, qtbot, bus.gateway_changed, bus.topics.gateway, offline.encode())
    assert not tile.recording, "a gateway that went away records nothing"
    assert rec_red_pixels(tile) == 0

    hand_over(bus, qtbot, bus.stream_announced, bus.topics.video("mast-1"), entry.encode())
    assert tile.recording
    drone = announce("gateway", "mast-1", "Mast", "mast", "rtsp://127.0.0.1:9/mast", "mavlink", unit="mast-1")
    hand_over(bus, qtbot, bus.stream_announced, bus.topics.video("mast-1"), drone.encode())
    assert tile.recording, "a drone's entry under the same id does not speak for the gateway's recorder"
    stopped = announce("gateway", "mast-1", "Mast", "mast", "rtsp://127.0.0.1:9/mast", "config")
    hand_over(bus, qtbot, bus.stream_announced, bus.topics.video("mast-1"), stopped.encode())
    assert not tile.recording and "REC:" not in tile.toolTip()


def test_a_playing_tile_shows_frames_per_second_and_its_console_delay(rtsp_server, wall, qtbot):
    server = rtsp_server()
    panel = wall([FakeStreamConfig(url=server.url())])
    tile = panel.tiles["cam1"]
    qtbot.waitUntil(lambda: tile.health.state is StreamState.PLAYING and tile.console_delay_ms is not None
                    and tile.health.fps > 0, timeout=FIRST_PICTURE_MS)
    frame = tile._newest_frame
    assert isinstance(frame.opaque, float) and frame.opaque <= time.monotonic(), "stamped on arrival by the ingest"
    text = tile.health_text()
    delay = re.search(r"console delay (\d+) ms", text)
    assert delay and re.search(r"\b\d+ fps\b", text), text
    assert 0 < tile.console_delay_ms < 2000
    assert "Console delay: from the picture's data reaching this console to its display" in tile.toolTip()


def test_a_lost_tile_counts_the_seconds_since_its_last_picture(rtsp_server, wall, qtbot):
    server = rtsp_server()
    panel = wall([FakeStreamConfig(url=server.url())])
    tile = panel.tiles["cam1"]
    qtbot.waitUntil(lambda: tile.painted_frames > 0, timeout=FIRST_PICTURE_MS)
    server.kill()
    qtbot.waitUntil(lambda: tile.health.state is StreamState.SIGNAL_LOST, timeout=5000)

    def seconds() -> int:
        found = re.search(r"no picture for (\d+) s", tile.detail_text())
        return int(found.group(1)) if found else -1

    assert seconds() >= 3
    first = seconds()
    qtbot.waitUntil(lambda: seconds() >= first + 1, timeout=3000)  # the count goes on while it stays lost
    assert tile.centre_text() == "SIGNAL LOST"
    assert "console delay" not in tile.health_text(), "no delay figure for a picture that is not coming"
