"""The stream catalogue beside the wall and dropping streams onto tiles, on offscreen Qt with real
ingest workers (streams on a closed local port: refused at once, so workers start and stop promptly).

Drops are delivered as Qt delivers them: a ``QDragEnterEvent`` then a ``QDropEvent`` carrying the
catalogue's own drag payload, sent to the tile.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig, free_port  # noqa: E402

from console.wall_drag_drop import MAX_ID_BYTES, STREAM_MIME_TYPE, stream_id_from, stream_mime_data  # noqa: E402
from video.stream_settings import AnnouncedStream  # noqa: E402

STOPPED_MS = 4000


@pytest.fixture
def wall_size() -> tuple[int, int]:
    return 1200, 700  # room for the catalogue and a 1+5 wall


def ingest_threads() -> set[str]:
    return {thread.name.removeprefix("mcv-video-ingest-") for thread in threading.enumerate()
            if thread.name.startswith("mcv-video-ingest-")}


def dead_streams(count: int) -> list[FakeStreamConfig]:
    port = free_port()
    return [FakeStreamConfig(url=f"rtsp://127.0.0.1:{port}/cam{index}", id=f"cam{index}", name=f"Camera {index}")
            for index in range(1, count + 1)]


def shown_ids(panel) -> list[str]:
    return [tile.stream_id for tile in panel.shown_tiles()]


def open_catalogue(panel, qtbot):
    qtbot.mouseClick(panel.catalogue_button, Qt.LeftButton)
    assert panel.catalogue is not None and panel.catalogue.isVisible()
    return panel.catalogue


def catalogue_drag(catalogue, stream_id: str) -> QMimeData:
    """What the catalogue's list hands Qt when the operator starts dragging the stream's row."""
    items = [catalogue.list.item(row) for row in range(catalogue.list.count())]
    [item] = [item for item in items if item.data(Qt.UserRole) == stream_id]
    return catalogue.list.mimeData([item])


def drop(tile, mime: QMimeData) -> tuple[bool, bool]:
    """Drag ``mime`` over ``tile`` and drop it; whether the enter and the drop were accepted."""
    centre = tile.rect().center()
    enter = QDragEnterEvent(centre, Qt.MoveAction | Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(tile, enter)
    if not enter.isAccepted():
        QApplication.sendEvent(tile, QDragLeaveEvent())
        return False, False
    dropped = QDropEvent(QPointF(centre), Qt.MoveAction | Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(tile, dropped)
    return True, dropped.isAccepted()


def test_the_catalogue_lists_every_stream_with_kind_source_and_state(wall, qtbot):
    streams = dead_streams(7)
    panel = wall(streams)
    panel.add_stream(AnnouncedStream(id="drone-3", name="Drone 3", kind="drone", url=streams[0].url,
                                     source="mavlink", unit="drone-3"))
    panel.set_recording("cam2", True)
    catalogue = open_catalogue(panel, qtbot)
    rows = {stream_id: (first, second) for stream_id, first, second in catalogue.rows()}
    assert list(rows) == [*(f"cam{n}" for n in range(1, 8)), "drone-3"]
    assert rows["cam1"][0] == "1  Camera 1", "rows carry the number key that focuses them"
    assert rows["cam2"][1].startswith("fixed camera · config · ") and rows["cam2"][1].endswith(" · REC")
    assert rows["drone-3"] == ("8  Drone 3", "drone · drone · not shown")  # 1+5 shows six; it is the eighth
    assert rows["cam7"][1].endswith("not shown")
    assert "not shown" not in rows["cam1"][1]
    qtbot.waitUntil(lambda: catalogue.list.count() == 8, timeout=2000)
    assert catalogue.list.item(0).text() == "1  Camera 1\n" + catalogue.rows()[0][2]


def test_a_stream_dropped_from_the_catalogue_replaces_the_tile_and_starts_decoding(wall, qtbot):
    panel = wall(dead_streams(7))
    qtbot.waitUntil(lambda: ingest_threads() == {f"cam{n}" for n in range(1, 7)}, timeout=STOPPED_MS)
    catalogue = open_catalogue(panel, qtbot)
    assert shown_ids(panel) == ["cam1", "cam2", "cam3", "cam4", "cam5", "cam6"]

    entered, accepted = drop(panel.tiles["cam3"], catalogue_drag(catalogue, "cam7"))
    assert entered and accepted
    assert shown_ids(panel) == ["cam1", "cam2", "cam7", "cam4", "cam5", "cam6"], "cam7 took cam3's place"
    assert panel.tiles["cam7"].isVisible() and not panel.tiles["cam3"].isVisible()
    qtbot.waitUntil(lambda: ingest_threads() == {"cam1", "cam2", "cam7", "cam4", "cam5", "cam6"}, timeout=STOPPED_MS)
    rows = {stream_id: second for stream_id, _, second in catalogue.rows()}
    assert rows["cam3"].endswith("not shown") and not rows["cam7"].endswith("not shown")


def test_a_stream_dropped_on_the_large_tile_becomes_the_focus(wall, qtbot):
    panel = wall(dead_streams(4))
    catalogue = open_catalogue(panel, qtbot)
    assert drop(panel.tiles["cam1"], catalogue_drag(catalogue, "cam3")) == (True, True)
    assert panel.focus_id == "cam3"
    assert shown_ids(panel) == ["cam3", "cam2", "cam1", "cam4"], "the old focus went where cam3 was"
    qtbot.waitUntil(lambda: panel.tiles["cam3"].height() > panel.tiles["cam1"].height(), timeout=2000)


def test_a_tile_dropped_on_another_swaps_them_in_a_grid(wall, qtbot):
    panel = wall(dead_streams(4))
    panel.set_layout("2x2")
    focus = panel.focus_id
    mime = stream_mime_data("cam2")  # what a drag from a tile carries
    assert drop(panel.tiles["cam4"], mime) == (True, True)
    assert shown_ids(panel) == ["cam1", "cam4", "cam3", "cam2"]
    assert panel.focus_id == focus
    qtbot.waitUntil(lambda: panel.tiles["cam2"].y() > panel.tiles["cam4"].y(), timeout=2000)


def test_double_click_in_the_catalogue_focuses_the_stream(wall, qtbot):
    panel = wall(dead_streams(3))
    catalogue = open_catalogue(panel, qtbot)
    qtbot.waitUntil(lambda: catalogue.list.count() == 3, timeout=2000)
    rect = catalogue.list.visualItemRect(catalogue.list.item(2))
    qtbot.mouseClick(catalogue.list.viewport(), Qt.LeftButton, pos=rect.center())  # the press a double-click follows
    qtbot.mouseDClick(catalogue.list.viewport(), Qt.LeftButton, pos=rect.center())
    assert panel.focus_id == "cam3"
    assert panel.tiles["cam3"].focused


def test_the_drop_frame_shows_only_while_a_drag_hovers(wall, qtbot):
    panel = wall(dead_streams(2))
    tile = panel.tiles["cam2"]
    mime = stream_mime_data("cam1")  # the event only borrows it
    enter = QDragEnterEvent(QPoint(10, 10), Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(tile, enter)
    assert panel._drops.target is tile
    QApplication.sendEvent(tile, QDragLeaveEvent())
    assert panel._drops.target is None


def hostile(data: bytes, fmt: str = STREAM_MIME_TYPE) -> QMimeData:
    mime = QMimeData()
    mime.setData(fmt, data)
    return mime


@pytest.mark.parametrize("mime", [
    pytest.param(lambda: hostile(b"cam2", "text/plain"), id="plain-text"),
    pytest.param(lambda: hostile(b"cam99"), id="unknown-id"),
    pytest.param(lambda: hostile(b""), id="empty"),
    pytest.param(lambda: hostile(b"\xff\xfe\x00cam2"), id="not-utf8"),
    pytest.param(lambda: hostile(b"cam2" * (MAX_ID_BYTES // 4 + 1)), id="oversized"),
    pytest.param(lambda: hostile(b"cam2\x00cam1"), id="nul-inside"),
    pytest.param(lambda: hostile("../cam2".encode()), id="path"),
])
def test_foreign_or_malformed_drops_are_refused_and_change_nothing(wall, mime):
    panel = wall(dead_streams(3))
    before = shown_ids(panel), panel.focus_id
    assert drop(panel.tiles["cam1"], mime()) == (False, False)
    assert (shown_ids(panel), panel.focus_id) == before


def test_stream_id_from_reads_only_known_ids():
    known = {"cam1", "drone-3"}
    assert stream_id_from(stream_mime_data("drone-3"), known) == "drone-3"
    assert stream_id_from(None, known) is None
    assert stream_id_from(QMimeData(), known) is None
    assert stream_id_from(hostile("drone-3 ".encode()), known) is None
