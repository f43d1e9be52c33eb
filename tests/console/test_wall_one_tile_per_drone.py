"""A drone that announces its video and has a configured stream shows once on the wall (offscreen Qt, a main window)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from support import write_config

from console.bus_client import BusClient
from console.main_window import MainWindow
from console.video_wall import VideoWallPanel, announced_settings
from radios.bus_settings import BusSettings
from radios.config import load_config
from radios.schema import Topics
from radios.stream_catalogue import announce

DRONE_2 = ('\n[[streams]]\nid = "drone-2-cam"\nname = "Drone 2"\nkind = "drone"\n'
           'url = "rtsp://pilot:s3cret@127.0.0.1:9/drone-2"\nsysid = 2\n'
           '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\nurl = "rtsp://127.0.0.1:9/mast"\n')


@pytest.fixture
def window(tmp_path, broker, qtbot):
    config = load_config(write_config(tmp_path, broker, DRONE_2))
    bus = BusClient(BusSettings("127.0.0.1", 1, "test-one-tile"), Topics("test-1"), source="console@test")
    window = MainWindow(config, bus, "commander", QSettings(str(tmp_path / "seat.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window, bus
    window.video_wall.stop()


def test_the_announced_stream_of_a_configured_drone_adds_no_tile_and_focuses_the_configured_one(window, qtbot):
    window, bus = window
    drone = announce("gateway", "drone-2", "Drone 2", "drone", "rtsp://127.0.0.1:9/drone-2-live", "mavlink",
                     unit="drone-2")
    configured = announce("gateway", "drone-2-cam", "Drone 2", "drone", "rtsp://127.0.0.1:9/drone-2", "config",
                          unit="drone-2", recording=True)
    for announcement in (drone, configured, drone):   # as retained messages and republishing deliver them
        with qtbot.waitSignal(bus.stream_announced, timeout=2000):
            bus._on_bus_message(bus.topics.video(announcement.stream), announcement.encode(), True)
    wall = window.video_wall
    assert list(wall.tiles) == ["drone-2-cam", "mast-1"]
    assert wall.tiles["drone-2-cam"].stream.url.endswith("s3cret@127.0.0.1:9/drone-2")   # the config's settings
    assert wall.tiles["drone-2-cam"].recording   # the announcement's REC flag did not clear the configured tile's
    wall.focus_stream("mast-1")
    wall.focus_stream("drone-2")   # the announced id, as the drone's unit or an alarm asks for it
    assert wall.focus_id == "drone-2-cam"
    wall.focus_stream("mast-1")
    wall.focus_stream("rtsp://127.0.0.1:9/drone-2-live")   # a unit's ``stream`` is the url it announced
    assert wall.focus_id == "drone-2-cam"


def test_a_configured_entry_arriving_after_the_announcement_takes_its_tile_and_the_hud(qtbot, window):
    window, bus = window
    wall = VideoWallPanel(())
    qtbot.addWidget(wall)
    wall.show()
    try:
        drone = announce("gateway", "drone-7", "Drone 7", "drone", "rtsp://127.0.0.1:9/d7", "mavlink", unit="drone-7")
        configured = announce("gateway", "drone-7-cam", "Drone 7 camera", "drone", "rtsp://127.0.0.1:9/d7", "config",
                              unit="drone-7")
        assert wall.add_stream(announced_settings(drone))
        assert wall.focus_id == "drone-7"
        old_tile = wall.tiles["drone-7"]
        assert wall.add_stream(announced_settings(configured))
        assert list(wall.tiles) == ["drone-7-cam"] and wall.focus_id == "drone-7-cam"
        qtbot.waitUntil(lambda: not old_tile.isVisible(), timeout=2000)
        assert not wall.add_stream(announced_settings(drone))   # the drone says it again: still one tile
        wall.focus_stream("drone-7")
        assert wall.focus_id == "drone-7-cam" and list(wall.tiles) == ["drone-7-cam"]
    finally:
        wall.stop()
    # in a main window, the HUD follows the tile that replaced its own
    hud_before = window.drone_hud
    for announcement in (announce("gateway", "drone-9", "Drone 9", "drone", "rtsp://127.0.0.1:9/d9", "mavlink",
                                  unit="drone-9"),
                         announce("gateway", "drone-9-cam", "Drone 9", "drone", "rtsp://127.0.0.1:9/d9", "config",
                                  unit="drone-9")):
        with qtbot.waitSignal(bus.stream_announced, timeout=2000):
            bus._on_bus_message(bus.topics.video(announcement.stream), announcement.encode(), True)
    assert "drone-9" not in window.video_wall.tiles and "drone-9-cam" in window.video_wall.tiles
    assert window.drone_hud is hud_before and window.drone_hud.tile in window.video_wall.tiles.values()


def test_the_hud_moves_to_the_configured_tile_that_replaced_the_announced_one(tmp_path, broker, qtbot):
    config = load_config(write_config(tmp_path, broker, DRONE_2.split("\n[[streams]]", 2)[0] + "\n"
                                      + "[[streams]]" + DRONE_2.split("\n[[streams]]", 2)[2]))
    assert [s.id for s in config.streams] == ["mast-1"]
    bus = BusClient(BusSettings("127.0.0.1", 1, "test-one-tile-hud"), Topics("test-1"), source="console@test")
    window = MainWindow(config, bus, "drone", QSettings(str(tmp_path / "seat.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        for announcement in (announce("gateway", "drone-2", "Drone 2", "drone", "rtsp://127.0.0.1:9/d2", "mavlink",
                                      unit="drone-2"),
                             announce("gateway", "drone-2-cam", "Drone 2", "drone", "rtsp://127.0.0.1:9/d2", "config",
                                      unit="drone-2")):
            with qtbot.waitSignal(bus.stream_announced, timeout=2000):
                bus._on_bus_message(bus.topics.video(announcement.stream), announcement.encode(), True)
        wall = window.video_wall
        assert list(wall.tiles) == ["mast-1", "drone-2-cam"] and wall.focus_id == "drone-2-cam"
        assert window.drone_hud is not None and window.drone_hud.tile is wall.tiles["drone-2-cam"]
    finally:
        window.video_wall.stop()
