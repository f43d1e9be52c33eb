"""Wall layouts, number-key focus and stopping hidden tiles, on offscreen Qt with real
ingest workers (the RTSP test server where a worker must stop promptly, an unreachable
URL where pixels do not matter)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig, free_port  # noqa: E402

from console.video_wall import LAYOUTS  # noqa: E402

FIRST_PICTURE_MS = 6000
STOPPED_MS = 4000


def ingest_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("mcv-video-ingest-")]


@pytest.fixture
def wall_size() -> tuple[int, int]:
    return 1200, 900  # room for a 4x4 grid


def dead_streams(count: int) -> list[FakeStreamConfig]:
    """Streams nobody serves: a closed local port refuses at once, so workers stop promptly."""
    port = free_port()
    return [FakeStreamConfig(url=f"rtsp://127.0.0.1:{port}/cam{index}", id=f"cam{index}", name=f"Camera {index}")
            for index in range(1, count + 1)]


@pytest.mark.parametrize(("layout", "shown"), [("1", 1), ("2x2", 4), ("3x3", 9), ("4x4", 16), ("1+5", 6)])
def test_each_layout_shows_its_number_of_tiles(wall, qtbot, layout, shown):
    panel = wall(dead_streams(17))
    panel.layout_box.setCurrentIndex(list(LAYOUTS).index(layout))  # as the operator picks it
    assert panel.layout_name == layout
    qtbot.waitUntil(lambda: sum(tile.isVisible() for tile in panel.tiles.values()) == shown, timeout=2000)
    visible = panel.shown_tiles()
    assert len(visible) == shown and all(tile.isVisible() for tile in visible)
    assert panel.tiles[panel.focus_id] in visible
    qtbot.waitUntil(lambda: len(ingest_threads()) == shown, timeout=STOPPED_MS)
    if layout in ("2x2", "3x3", "4x4"):

        def equal_sizes() -> bool:
            widths = [tile.width() for tile in visible]
            heights = [tile.height() for tile in visible]
            return max(widths) - min(widths) <= 2 and max(heights) - min(heights) <= 2

        qtbot.waitUntil(equal_sizes, timeout=2000)  # the grid applies a layout on its next pass
        side = int(layout[0])
        rows = {tile.y() for tile in visible}
        assert len(rows) == side
    if layout == "1+5":
        focus = panel.tiles[panel.focus_id]
        qtbot.waitUntil(lambda: all(focus.height() > tile.height() for tile in visible if tile is not focus),
                        timeout=2000)
        assert all(focus.height() > tile.height() for tile in visible if tile is not focus)
        assert len({tile.y() for tile in visible if tile is not focus}) == 1, "the small tiles are one row"


def test_fewer_streams_than_cells_fill_the_grid_in_order(wall, qtbot):
    panel = wall(dead_streams(3))
    panel.set_layout("3x3")
    assert [tile.stream_id for tile in panel.shown_tiles()] == ["cam1", "cam2", "cam3"]
    qtbot.waitUntil(lambda: all(tile.isVisible() for tile in panel.tiles.values()), timeout=2000)


def test_a_grid_keeps_the_focus_tile_on_the_wall(wall, qtbot):
    panel = wall(dead_streams(6))
    panel.focus_stream("cam6")
    panel.set_layout("2x2")
    assert [tile.stream_id for tile in panel.shown_tiles()] == ["cam1", "cam2", "cam3", "cam6"]
    assert panel.tiles["cam6"].isVisible() and not panel.tiles["cam4"].isVisible()


def test_number_keys_focus_the_nth_tile(wall, qtbot):
    panel = wall(dead_streams(4))
    qtbot.keyClick(panel, Qt.Key_3)
    assert panel.focus_id == "cam3"
    assert panel.tiles["cam3"].focused and not panel.tiles["cam1"].focused
    qtbot.keyClick(panel.tiles["cam1"], Qt.Key_2)  # a key on a tile reaches the wall
    assert panel.focus_id == "cam2"
    qtbot.keyClick(panel, Qt.Key_9)  # no ninth stream: nothing changes
    assert panel.focus_id == "cam2"


def test_hiding_the_wall_stops_every_worker_and_showing_starts_them(rtsp_server, wall, qtbot):
    server = rtsp_server(("cam1", "cam2"))
    panel = wall([FakeStreamConfig(url=server.url("cam1"), id="cam1", name="Mast"),
                  FakeStreamConfig(url=server.url("cam2"), id="cam2", name="Drone", kind="drone")])
    qtbot.waitUntil(lambda: len(ingest_threads()) == 2, timeout=2000)
    qtbot.waitUntil(lambda: all(tile.painted_frames for tile in panel.tiles.values()), timeout=FIRST_PICTURE_MS)

    panel.hide()
    qtbot.waitUntil(lambda: not ingest_threads(), timeout=STOPPED_MS)

    painted = {stream_id: tile.painted_frames for stream_id, tile in panel.tiles.items()}
    panel.show()
    qtbot.waitUntil(lambda: len(ingest_threads()) == 2, timeout=2000)
    qtbot.waitUntil(lambda: all(tile.painted_frames > painted[stream_id] for stream_id, tile in panel.tiles.items()),
                    timeout=FIRST_PICTURE_MS)


def test_a_tile_left_out_of_the_layout_stops_decoding(wall, qtbot):
    panel = wall(dead_streams(3))
    qtbot.waitUntil(lambda: len(ingest_threads()) == 3, timeout=2000)
    panel.set_layout("1")
    qtbot.waitUntil(lambda: ingest_threads() == ["mcv-video-ingest-cam1"], timeout=STOPPED_MS)
    panel.set_layout("2x2")
    qtbot.waitUntil(lambda: len(ingest_threads()) == 3, timeout=2000)
