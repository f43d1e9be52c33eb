"""The tasks panel and its map layer: a place picked on the map, units assigned, the status moved on, pixels drawn."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from support import Recorder, RunningGateway, wait_until

from console.bus_client import BusClient
from console.map_view import MapView
from console.task_layer import TaskLayer, TaskPlacePicker
from console.tasks_panel import TasksPanel
from radios.bus import BusSettings
from radios.schema import Task, UnitState

CENTRE = (120.1610, 30.3215)  # lon, lat
D = 0.001  # about 100 m


@pytest.fixture
def view(qtbot):
    shown = MapView(None, 120)
    qtbot.addWidget(shown)
    shown.resize(500, 400)
    shown.show()
    shown.notice = ""  # the "no map source" notice would sit in the middle
    shown.centre_on(*CENTRE, zoom=16)
    yield shown
    shown.stop()


def pixel(view, lon, lat) -> QColor:
    at = view.position_to_screen(lon, lat)
    return view.grab().toImage().pixelColor(round(at.x()), round(at.y()))


def task(task_id, kind, status, **fields):
    if kind == "search_area":
        lon, lat = CENTRE
        fields["area"] = [[lon - D, lat - D], [lon + D, lat - D], [lon + D, lat + D], [lon - D, lat + D]]
        fields.setdefault("lat", lat)
        fields.setdefault("lon", lon)
    return Task(id=task_id, ts="2026-11-29T10:00:00.000Z", src="test", task_kind=kind, title=task_id, status=status,
                **fields)


def test_tasks_are_drawn_where_they_are_coloured_by_status(view):
    layer = TaskLayer(view)
    layer.set_task(task("area-0001", "search_area", "in_progress", units=["r1"]))
    layer.set_task(task("gate-0001", "checkpoint", "open", lat=CENTRE[1], lon=CENTRE[0] + 3 * D))
    layer.set_task(task("gone-0001", "evacuation_point", "cancelled", lat=CENTRE[1], lon=CENTRE[0] - 3 * D))
    inside = pixel(view, CENTRE[0] - 0.7 * D, CENTRE[1] + 0.7 * D)
    assert inside.blue() - inside.red() > 45, inside.name()  # in progress: blue fill
    gate = pixel(view, CENTRE[0] + 3 * D, CENTRE[1])
    assert gate.red() > 180 and gate.green() < 90, gate.name()  # open: red diamond
    gone = pixel(view, CENTRE[0] - 3 * D, CENTRE[1])
    assert abs(gone.red() - gone.blue()) < 30, gone.name()  # cancelled: not drawn, the grey map shows
    assert sorted(layer.drawn) == ["area-0001", "gate-0001"]
    assert layer.task_at(view.position_to_screen(CENTRE[0] + 0.5 * D, CENTRE[1])) == "area-0001"
    assert layer.task_at(view.position_to_screen(CENTRE[0] + 3 * D + D / 20, CENTRE[1])) == "gate-0001"
    assert layer.task_at(view.position_to_screen(CENTRE[0] - 3 * D, CENTRE[1])) is None  # cancelled
    layer.set_task(task("gate-0001", "checkpoint", "done", lat=CENTRE[1], lon=CENTRE[0] + 3 * D, revision=1))
    layer.set_task(task("gate-0001", "checkpoint", "open", lat=CENTRE[1], lon=CENTRE[0] + 3 * D))  # an old copy
    grey = pixel(view, CENTRE[0] + 3 * D, CENTRE[1])
    assert abs(grey.red() - grey.green()) < 20 and grey.red() < 150, grey.name()  # done: grey


def test_picking_an_area_takes_clicks_and_keeps_the_map_draggable(view, qtbot):
    layer = TaskLayer(view)
    picker = TaskPlacePicker(layer)
    picked = []
    picker.picked.connect(picked.append)
    picker.start("search_area")
    before = view.viewport.centre_x
    qtbot.mousePress(view, Qt.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(140, 110))
    qtbot.mouseRelease(view, Qt.LeftButton, pos=QPoint(140, 110))
    assert view.viewport.centre_x != before and layer.draft == []  # a drag pans and adds no corner
    view.centre_on(*CENTRE, zoom=16)
    corners = [(CENTRE[0] - D, CENTRE[1] - D), (CENTRE[0] + D, CENTRE[1] - D), (CENTRE[0], CENTRE[1] + D)]
    for lon, lat in corners:
        at = view.position_to_screen(lon, lat).toPoint()
        qtbot.mouseClick(view, Qt.LeftButton, pos=at)
    qtbot.keyClick(view, Qt.Key_Return)
    assert picker.kind is None and len(picked) == 1 and layer.draft == []
    for (lon, lat), (got_lon, got_lat) in zip(corners, picked[0]):
        assert abs(got_lon - lon) < D / 20 and abs(got_lat - lat) < D / 20
    picker.start("checkpoint")
    qtbot.keyClick(view, Qt.Key_Escape)
    assert picker.kind is None and len(picked) == 1


@pytest.fixture
def seat(broker, tmp_path, qtbot):
    """A gateway, a responder r1 that reports its position, and the tasks panel of a seat on a shown map."""
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        unit = UnitState.create("bodycam-r1", uid="r1", unit_kind="responder", callsign="Rescue 1",
                                lat=CENTRE[1], lon=CENTRE[0])
        with Recorder(broker, "none") as body_camera:  # the device's own session: the gateway hears others, not itself
            body_camera.bus.publish(topics.unit("r1"), unit.encode(), retain=True).wait_for_publish(5)
            assert wait_until(lambda: running.store.units(), 5)
        bus = BusClient(BusSettings(broker.host, broker.port, "seat-under-test"), topics, source="console@test")
        view = MapView(None, 120)
        view.notice = ""
        panel = TasksPanel(bus, lambda: "commander", view)
        panel.resize(900, 300)
        view.resize(500, 400)
        qtbot.addWidget(panel)
        qtbot.addWidget(view)
        panel.show()
        view.show()
        view.centre_on(*CENTRE, zoom=16)
        bus.start()
        qtbot.waitUntil(lambda: bus.state == "up", timeout=5000)
        yield running, panel, view
        bus.stop()
        view.stop()


def test_a_checkpoint_is_picked_assigned_and_moved_on_through_the_gateway(seat, qtbot):
    running, panel, view = seat
    panel.save()
    assert "title" in panel.feedback.text()  # nothing sent without a title
    panel.kind.setCurrentIndex(panel.kind.findData("checkpoint"))
    qtbot.keyClicks(panel.title, "Bridge east end")
    qtbot.mouseClick(panel.pick_button, Qt.LeftButton)
    assert panel.picker.kind == "checkpoint" and "Click the place" in panel.feedback.text()
    target = view.position_to_screen(CENTRE[0] + 2 * D, CENTRE[1]).toPoint()
    qtbot.mouseClick(view, Qt.LeftButton, pos=target)
    assert not panel.pick_button.isChecked() and panel.place is not None
    qtbot.waitUntil(lambda: panel.units.count() == 1, timeout=5000)
    panel.units.item(0).setCheckState(Qt.Checked)
    qtbot.mouseClick(panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(panel.tasks) == 1 and panel.editing is not None, timeout=5000)
    (made,) = panel.tasks.values()
    assert (made.title, made.status, made.units, made.seat) == ("Bridge east end", "assigned", ["r1"], "commander")
    assert abs(made.lon - (CENTRE[0] + 2 * D)) < D / 20
    assert panel.list.topLevelItem(0).text(3) == "Rescue 1" and "assigned" in panel.feedback.text()
    view.grab()
    assert panel.layer.drawn == [made.id] and panel.layer.selected == made.id
    panel.status.setCurrentIndex(panel.status.findData("in_progress"))
    qtbot.mouseClick(panel.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.tasks[made.id].revision == 1, timeout=5000)
    assert running.store.task(made.id).status == "in_progress"
    panel.save()
    assert "Nothing to save" in panel.feedback.text()
    panel.new_task()
    assert panel.editing is None
    qtbot.mouseClick(view, Qt.LeftButton, pos=view.position_to_screen(made.lon, made.lat).toPoint())
    assert panel.editing == made.id  # a click on the task on the map opens it in the panel
    logged = [e.text for e in running.store.events_since(None) if e.category == "task"]
    assert logged == ['Task created: checkpoint \u201cBridge east end\u201d, assigned, units r1',
                      'Task checkpoint \u201cBridge east end\u201d: now in progress']
