"""The uplink panel and the tiles' "Send to HQ": a seat on a real broker asks a real gateway, which
retains what goes up; the panel lists it against the budget and the tile carries the HQ marker."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenu
from support import RunningGateway

from console.bus_client import BusClient
from console.dispatch_actions import DispatchActions
from console.uplink_panel import UplinkPanel
from console.video_tile import VideoTileWidget
from radios.broker import free_port
from radios.bus import BusSettings
from radios.config import StreamConfig

DISPATCH = ('\n[dispatch]\nurl = "rtmp://127.0.0.1:{port}/live/{{vehicle}}-{{stream}}"\ntotal_kbps = 1500\n'
            '\n[[streams]]\nid = "cam1"\nname = "Gate camera"\nkind = "fixed"\nurl = "rtsp://127.0.0.1:{cam}/cam1"\n')


class OneTileWall:
    """The part of a video wall ``DispatchActions`` uses: its tiles and the ``arranged`` signal."""

    def __init__(self, tile: VideoTileWidget) -> None:
        from PySide6.QtCore import QObject, Signal

        class _Signals(QObject):
            arranged = Signal()

        self._signals = _Signals()
        self.arranged = self._signals.arranged
        self.tiles = {tile.stream_id: tile}


@pytest.fixture
def seat(broker, tmp_path, qtbot):
    extra = DISPATCH.format(port=free_port(), cam=free_port())  # nobody listens: the stream waits for its camera
    with RunningGateway(broker, tmp_path, extra) as running:
        bus = BusClient(BusSettings(broker.host, broker.port, "seat-under-test"), running.gateway.topics,
                        source="console@test")
        actions = DispatchActions(bus, lambda: "commander")
        tile = VideoTileWidget(StreamConfig(id="cam1", name="Gate camera", kind="fixed",
                                            url="rtsp://127.0.0.1:1/cam1"))
        qtbot.addWidget(tile)
        actions.install_on_wall(OneTileWall(tile))
        panel = UplinkPanel(actions, lambda: [("cam1", "Gate camera"), ("cam9", "Not configured")])
        qtbot.addWidget(panel)
        bus.start()
        try:
            yield actions, panel, tile
        finally:
            bus.stop()
            actions.deleteLater()


def menu_texts(tile: VideoTileWidget) -> list[str]:
    menu = QMenu()
    tile.extend_menu(menu)
    return [action.text() for action in menu.actions()]


def test_send_from_the_tile_shows_in_the_panel_and_marks_the_tile_then_stop(seat, qtbot):
    actions, panel, tile = seat
    qtbot.waitUntil(lambda: actions.state is not None, timeout=5000)  # retained at the gateway's start
    assert "budget 1500 kb/s" in panel.summary.text() and "RTMP to 127.0.0.1:" in panel.summary.text()
    assert "/live/" not in panel.summary.text()  # HQ's server only, not the url's template
    assert menu_texts(tile) == ["Send to HQ"] and not tile.sending_to_hq
    menu = QMenu()
    tile.extend_menu(menu)
    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=5000)
    assert panel.table.item(0, 0).text() == "Gate camera"
    assert panel.table.item(0, 1).text() == "Starting"  # its camera does not answer: it waits for it
    assert "camera" in panel.table.item(0, 4).text()
    assert tile.sending_to_hq and menu_texts(tile) == ["Stop sending to HQ"]
    tile.resize(320, 180)
    tile.grab()  # paints the marker through the tile's overlay hook without raising
    panel.table.selectRow(0)
    assert panel.stop_button.isEnabled()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0, timeout=10000)
    assert not tile.sending_to_hq and menu_texts(tile) == ["Send to HQ"]


def test_a_refused_request_is_shown_in_words(seat, qtbot):
    actions, panel, tile = seat
    panel.choice.setCurrentIndex(panel.choice.findData("cam9"))
    panel.send_button.click()
    qtbot.waitUntil(lambda: "[[streams]]" in panel.answer.text(), timeout=5000)
    assert panel.table.rowCount() == 0
