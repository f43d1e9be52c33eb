"""Streams from the bus's video catalogue on the wall: a tile for each new one, none for a configured id,
and camera credentials nowhere (offscreen Qt, a real bus client fed by hand, a main window)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel
from support import write_config

from console.bus_client import BusClient
from console.main_window import MainWindow
from console.video_wall import VideoWallPanel, announced_settings
from radios.bus_settings import BusSettings
from radios.config import load_config
from radios.schema import PayloadError, StreamAnnouncement, Topics, decode
from radios.stream_catalogue import announce

CONFIGURED = '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\nurl = "rtsp://admin:s3cret-pw@127.0.0.1:9/mast"\n'


def offline_bus() -> BusClient:
    """A real bus client that is never started: the test hands it bus messages."""
    return BusClient(BusSettings("127.0.0.1", 1, "test-streams"), Topics("test-1"), source="console@test")


def texts(widget) -> str:
    return "\n".join([widget.toolTip(), *(w.toolTip() for w in widget.findChildren(object) if hasattr(w, "toolTip")),
                      *(label.text() for label in widget.findChildren(QLabel))])


@pytest.fixture
def window(tmp_path, broker, qtbot):
    config = load_config(write_config(tmp_path, broker, CONFIGURED))
    bus = offline_bus()
    window = MainWindow(config, bus, "drone", QSettings(str(tmp_path / "seat.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window, bus
    window.video_wall.stop()


def test_an_announced_drone_stream_gets_a_tile_focus_and_the_hud(window, qtbot):
    window, bus = window
    drone = announce("gateway", "drone-1", "Drone 1", "drone", "rtsp://pilot:dr0ne-pw@127.0.0.1:9/drone-1",
                     "mavlink", unit="drone-1")
    with qtbot.waitSignal(bus.stream_announced, timeout=2000):
        bus._on_bus_message(bus.topics.video("drone-1"), drone.encode(), True)
    wall = window.video_wall
    assert set(wall.tiles) == {"mast-1", "drone-1"}
    assert wall.focus_id == "drone-1"   # the drone seat focuses the drone as soon as it is there
    assert window.drone_hud is not None and window.drone_hud.tile is wall.tiles["drone-1"]
    assert wall.tiles["drone-1"].stream.url == "rtsp://127.0.0.1:9/drone-1"
    shown = texts(wall)
    assert "dr0ne-pw" not in shown and "pilot" not in shown and "s3cret-pw" not in shown


def test_a_configured_id_keeps_its_own_settings(window, qtbot):
    window, bus = window
    same = announce("gateway", "mast-1", "Mast", "mast", "rtsp://127.0.0.1:9/other", "config")
    with qtbot.waitSignal(bus.stream_announced, timeout=2000):
        bus._on_bus_message(bus.topics.video("mast-1"), same.encode(), True)
    assert list(window.video_wall.tiles) == ["mast-1"]
    assert window.video_wall.tiles["mast-1"].stream.url.endswith("/mast")   # the config's, with its credentials


def test_an_empty_wall_takes_a_tak_stream(qtbot):
    wall = VideoWallPanel(())
    qtbot.addWidget(wall)
    wall.show()
    try:
        tak = announce("gateway", "ANDROID-1", "ALPHA-1", "tak", "rtsp://127.0.0.1:9/alpha", "cot", unit="ANDROID-1")
        assert wall.add_stream(announced_settings(tak))
        assert not wall.add_stream(announced_settings(tak))
        assert list(wall.tiles) == ["ANDROID-1"] and wall.focus_id == "ANDROID-1"
        qtbot.waitUntil(lambda: not [label for label in wall.findChildren(QLabel) if label.isVisible()
                                     and label.text() == "No video streams configured."], timeout=2000)
        assert "ANDROID-1" in wall._workers   # shown, so its worker runs like a configured one's
    finally:
        wall.stop()


def test_credentials_never_reach_the_console(qtbot):
    bus = offline_bus()
    hostile = StreamAnnouncement.create("gateway", stream="x1", name="X", stream_kind="tak",
                                        url="rtsp://127.0.0.1:9/x", source="cot").to_dict()
    hostile["url"] = "rtsp://user:pw@127.0.0.1:9/x"
    raw = json.dumps(hostile).encode()
    with pytest.raises(PayloadError):
        decode(raw)
    received = []
    bus.stream_announced.connect(received.append)
    bus._on_bus_message(bus.topics.video("x1"), raw, True)
    qtbot.wait(50)
    assert received == [] and bus.bad_input.count() == 1
    assert announced_settings(SimpleNamespace(stream="a", name="A", stream_kind="fixed", url="file:///a.ts",
                                              unit=None, source="cot")).url == "file:///a.ts"
