""""Send to HQ" in the stream catalogue: a row's context menu carries the tile's dispatch actions,
which ask a real gateway on a real broker; the row then says the stream goes to HQ."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from support import RunningGateway

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig  # noqa: E402

from console.bus_client import BusClient  # noqa: E402
from console.dispatch_actions import DispatchActions  # noqa: E402
from radios.broker import free_port  # noqa: E402
from radios.bus import BusSettings  # noqa: E402

DISPATCH = ('\n[dispatch]\nurl = "rtmp://127.0.0.1:{port}/live/{{vehicle}}-{{stream}}"\n'
            '\n[[streams]]\nid = "cam1"\nname = "Gate camera"\nkind = "fixed"\nurl = "rtsp://127.0.0.1:{cam}/cam1"\n')


@pytest.fixture
def wall_size() -> tuple[int, int]:
    return 1200, 700  # room for the catalogue


@pytest.fixture
def seat(broker, tmp_path, qtbot, wall):
    camera_port = free_port()  # nobody listens: the stream waits for its camera, at the gateway and on the wall
    with RunningGateway(broker, tmp_path, DISPATCH.format(port=free_port(), cam=camera_port)) as running:
        bus = BusClient(BusSettings(broker.host, broker.port, "seat-under-test"), running.gateway.topics,
                        source="console@test")
        panel = wall([FakeStreamConfig(url=f"rtsp://127.0.0.1:{camera_port}/cam1", id="cam1", name="Gate camera")])
        actions = DispatchActions(bus, lambda: "commander")
        actions.install_on_wall(panel)
        bus.start()
        try:
            qtbot.mouseClick(panel.catalogue_button, Qt.LeftButton)
            yield actions, panel.catalogue
        finally:
            bus.stop()
            actions.deleteLater()


def menu_texts(catalogue, stream_id: str) -> list[str]:
    return [action.text() for action in catalogue.stream_menu(stream_id).actions()]


def test_send_to_hq_from_a_catalogue_row_then_stop(seat, qtbot):
    actions, catalogue = seat
    assert catalogue.list.contextMenuPolicy() == Qt.CustomContextMenu
    qtbot.waitUntil(lambda: actions.state is not None, timeout=5000)  # retained at the gateway's start
    assert menu_texts(catalogue, "cam1") == ["Send to HQ"]
    catalogue.stream_menu("cam1").actions()[0].trigger()
    qtbot.waitUntil(lambda: actions.is_chosen("cam1"), timeout=5000)
    catalogue.refresh()
    assert "▲ HQ" in catalogue.rows()[0][2] and "▲ HQ" in catalogue.list.item(0).text()
    assert menu_texts(catalogue, "cam1") == ["Stop sending to HQ"]
    catalogue.stream_menu("cam1").actions()[0].trigger()
    qtbot.waitUntil(lambda: not actions.is_chosen("cam1"), timeout=10000)
    catalogue.refresh()
    assert "▲ HQ" not in catalogue.rows()[0][2]


def test_a_right_click_below_the_rows_opens_no_menu(seat):
    _, catalogue = seat
    catalogue._on_list_menu_requested(QPoint(5, catalogue.list.viewport().height() - 2))  # returns at once
